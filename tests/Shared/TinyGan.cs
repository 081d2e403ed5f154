// A tiny GAN as a training program (discriminator and generator groups taking turns) on two-dimensional points,
// so the adversarial program can be run through real processes in seconds.
using System.Globalization;
using System.Text;

namespace Dtrain.Tests;

/// <summary>Model file and data of a GAN that learns to draw points near (<see cref="Centre"/>, <see cref="Centre"/>).</summary>
public static class TinyGan
{
    /// <summary>Where the real points lie (each coordinate's mean); the generator starts near 0.</summary>
    public const double Centre = 3.0;

    /// <summary>
    /// z (2 Gaussian draws) -> G: 2-16-2 -> g_out; D: 2-16-1 applied to the real points and to g_out, sharing its
    /// parameters; the discriminator's sub-step minimises both of its losses, the generator's the non-saturating one.
    /// </summary>
    public const string ModelJson = """
        {
          "name": "tiny-gan",
          "inputs": [{"name": "x", "shape": [2]}, {"name": "label", "shape": [], "dtype": "int32"}],
          "nodes": [
            {"id": "g_w1", "op": "parameter", "attrs": {"shape": [2, 16], "init": "glorot_uniform"}},
            {"id": "g_b1", "op": "parameter", "attrs": {"shape": [16], "init": "zeros"}},
            {"id": "g_w2", "op": "parameter", "attrs": {"shape": [16, 2], "init": "glorot_uniform"}},
            {"id": "g_b2", "op": "parameter", "attrs": {"shape": [2], "init": "zeros"}},
            {"id": "d_w1", "op": "parameter", "attrs": {"shape": [2, 16], "init": "glorot_uniform"}},
            {"id": "d_b1", "op": "parameter", "attrs": {"shape": [16], "init": "zeros"}},
            {"id": "d_w2", "op": "parameter", "attrs": {"shape": [16, 1], "init": "glorot_uniform"}},
            {"id": "d_b2", "op": "parameter", "attrs": {"shape": [1], "init": "zeros"}},
            {"id": "z", "op": "normal", "inputs": ["x"], "attrs": {"shape": [2]}},
            {"id": "g_mm1", "op": "matmul", "inputs": ["z", "g_w1"]},
            {"id": "g_pre1", "op": "add", "inputs": ["g_mm1", "g_b1"]},
            {"id": "g_h1", "op": "leaky_relu", "inputs": ["g_pre1"], "attrs": {"alpha": 0.2}},
            {"id": "g_mm2", "op": "matmul", "inputs": ["g_h1", "g_w2"]},
            {"id": "g_out", "op": "add", "inputs": ["g_mm2", "g_b2"]},
            {"id": "dr_mm1", "op": "matmul", "inputs": ["x", "d_w1"]},
            {"id": "dr_pre1", "op": "add", "inputs": ["dr_mm1", "d_b1"]},
            {"id": "dr_h1", "op": "leaky_relu", "inputs": ["dr_pre1"], "attrs": {"alpha": 0.2}},
            {"id": "dr_mm2", "op": "matmul", "inputs": ["dr_h1", "d_w2"]},
            {"id": "d_real", "op": "add", "inputs": ["dr_mm2", "d_b2"]},
            {"id": "df_mm1", "op": "matmul", "inputs": ["g_out", "d_w1"]},
            {"id": "df_pre1", "op": "add", "inputs": ["df_mm1", "d_b1"]},
            {"id": "df_h1", "op": "leaky_relu", "inputs": ["df_pre1"], "attrs": {"alpha": 0.2}},
            {"id": "df_mm2", "op": "matmul", "inputs": ["df_h1", "d_w2"]},
            {"id": "d_fake", "op": "add", "inputs": ["df_mm2", "d_b2"]},
            {"id": "ones", "op": "fill", "inputs": ["d_real"], "attrs": {"value": 1.0}},
            {"id": "zeros", "op": "fill", "inputs": ["d_fake"], "attrs": {"value": 0.0}},
            {"id": "d_loss_real", "op": "binary_cross_entropy", "inputs": ["d_real", "ones"]},
            {"id": "d_loss_fake", "op": "binary_cross_entropy", "inputs": ["d_fake", "zeros"]},
            {"id": "g_loss", "op": "binary_cross_entropy", "inputs": ["d_fake", "ones"]}
          ],
          "loss": "g_loss",
          "output": "g_out",
          "groups": [
            {"name": "D", "params": ["d_*"], "optimizer": "adam", "lr": 0.01, "beta1": 0.5},
            {"name": "G", "params": ["g_*"], "optimizer": "adam", "lr": 0.01, "beta1": 0.5}
          ],
          "program": [
            {"name": "adversarial", "epochs": 6, "steps": [
              {"loss": ["d_loss_real", "d_loss_fake"], "groups": ["D"]},
              {"loss": "g_loss", "groups": ["G"]}]}
          ],
          "generate": {"output": "g_out", "shape": [1, 1, 2], "range": [0, 6]},
          "training": {"data": {"normalize": "none"}, "batch": 32, "partition_size": 500, "seed": 5}
        }
        """;

    /// <summary>Writes <paramref name="rows"/> real points (x1, x2, label) near (3, 3), standard deviation 0.5, as CSV.</summary>
    public static void WritePoints(string path, int rows, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder("x1,x2,label\n");
        for (var i = 0; i < rows; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{Centre + (0.5 * Gaussian(random)):F4},{Centre + (0.5 * Gaussian(random)):F4},0\n");
        }

        File.WriteAllText(path, text.ToString());
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
