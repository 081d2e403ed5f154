// Model files and executor plumbing the recurrent-layer tests share: small sequence classifiers on the CPU backend.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Tests.Ops.Recurrent;

internal static class RecurrentModels
{
    public const string WideBias = """{"type": "uniform", "scale": 0.5}""";

    /// <summary>x (batch, <paramref name="steps"/>, <paramref name="features"/>) through <paramref name="nodes"/> (ending in "out") to softmax cross-entropy.</summary>
    public static string Classifier(int steps, int features, string nodes) => $$$"""
        {"inputs": [{"name": "x", "shape": [{{{steps}}}, {{{features}}}]}, {"name": "y", "shape": [], "dtype": "int32"}],
         "nodes": [{{{nodes}}},
                   {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["out", "y"]}],
         "loss": "loss"}
        """;

    /// <summary>
    /// Two stacked layers of <paramref name="op"/>, the first returning every step (so the second's input
    /// gradient and both output modes are exercised), then a dense layer to 3 classes.
    /// </summary>
    public static string Stacked(string op, int steps, int features, int units, int lastUnits, string extraAttrs = "") => Classifier(steps, features, $$$"""
        {"id": "seq", "op": "{{{op}}}", "inputs": ["x"], "attrs": {"units": {{{units}}}, "return_sequences": true, "bias_init": {{{WideBias}}}{{{extraAttrs}}}}},
        {"id": "last", "op": "{{{op}}}", "inputs": ["seq"], "attrs": {"units": {{{lastUnits}}}, "bias_init": {{{WideBias}}}{{{extraAttrs}}}}},
        {"id": "out", "op": "dense", "inputs": ["last"], "attrs": {"units": 3, "bias_init": {{{WideBias}}}}}
        """);

    public static CompiledModel Compile(string json) => ModelCompiler.Compile(ModelParser.Parse(json, "recurrent.json"));

    /// <summary>Features uniform in [-1, 1], labels uniform class ids.</summary>
    public static (float[] Features, float[] Labels) Examples(CompiledModel model, int batch, int seed)
    {
        var rng = new Random(seed);
        var features = Enumerable.Range(0, batch * model.FeatureSize).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
        var classes = model.Values[model.OutputValue].Type.Size;
        var labels = Enumerable.Range(0, batch).Select(_ => (float)rng.Next(classes)).ToArray();
        return (features, labels);
    }

    public static GraphExecutor Executor(CompiledModel model, CpuBackend backend, int maxBatch, int seed)
    {
        var executor = new GraphExecutor(model, backend, maxBatch, training: true);
        backend.Upload(model.InitialParameters(seed), executor.Parameters);
        return executor;
    }

    public static float[] Download(CpuBackend backend, Tensor tensor)
    {
        var host = new float[tensor.Length];
        backend.Download(tensor, host);
        return host;
    }

    public static int ValueIndex(CompiledModel model, string name) =>
        model.Values.Select((v, i) => (v, i)).Single(p => p.v.Name == name).i;
}
