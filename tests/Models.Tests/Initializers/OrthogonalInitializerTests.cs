// The recurrent layers' initializers: orthogonal matrices (rows or columns orthonormal, times the gain) and the LSTM
// forget-gate bias, both parsed from model-file names.
using System.Text.Json;
using Dtrain.Models.Initializers;

namespace Dtrain.Models.Tests.Initializers;

public sealed class OrthogonalInitializerTests
{
    [Theory]
    [InlineData(6, 24)] // wide, like a recurrent weight (H, 4H): orthonormal rows
    [InlineData(24, 6)] // tall: orthonormal columns
    [InlineData(9, 9)]
    public void Orthogonal_vectors_along_the_shorter_side_are_orthonormal(int rows, int cols)
    {
        var values = new float[rows * cols];
        new Initializer(InitKind.Orthogonal, 1f).Fill(values, rows, cols, new Random(3));

        var (count, length) = rows <= cols ? (rows, cols) : (cols, rows);
        double At(int vector, int e) => rows <= cols ? values[(vector * cols) + e] : values[(e * cols) + vector];
        for (var a = 0; a < count; a++)
        {
            for (var b = 0; b <= a; b++)
            {
                var dot = Enumerable.Range(0, length).Sum(e => At(a, e) * At(b, e));
                Assert.Equal(a == b ? 1.0 : 0.0, dot, 1e-5);
            }
        }
    }

    [Fact]
    public void Orthogonal_gain_scales_every_vector()
    {
        var unit = new float[4 * 8];
        var scaled = new float[4 * 8];
        new Initializer(InitKind.Orthogonal, 1f).Fill(unit, 4, 8, new Random(5));
        new Initializer(InitKind.Orthogonal, 2.5f).Fill(scaled, 4, 8, new Random(5));

        for (var i = 0; i < unit.Length; i++)
        {
            Assert.Equal(2.5f * unit[i], scaled[i], 1e-6f);
        }
    }

    [Fact]
    public void Orthogonal_is_deterministic_for_a_seed_and_differs_between_seeds()
    {
        var init = new Initializer(InitKind.Orthogonal, 1f);
        var (a, b, c) = (new float[40], new float[40], new float[40]);

        init.Fill(a, 5, 8, new Random(7));
        init.Fill(b, 5, 8, new Random(7));
        init.Fill(c, 5, 8, new Random(8));

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Unit_forget_bias_sets_the_second_of_four_blocks()
    {
        var bias = new float[8];

        new Initializer(InitKind.UnitForgetBias, 1f).Fill(bias, 2, 8, new Random(1));

        Assert.Equal([0f, 0f, 1f, 1f, 0f, 0f, 0f, 0f], bias);
    }

    [Theory]
    [InlineData("\"orthogonal\"", InitKind.Orthogonal, 1f)]
    [InlineData("{\"type\": \"orthogonal\", \"scale\": 1.5}", InitKind.Orthogonal, 1.5f)]
    [InlineData("\"unit_forget_bias\"", InitKind.UnitForgetBias, 1f)]
    public void Recurrent_initializers_parse_with_a_default_of_one(string json, InitKind kind, float scale)
    {
        var init = Initializer.Parse(JsonDocument.Parse(json).RootElement);

        Assert.Equal(new Initializer(kind, scale), init);
    }
}
