// Checks the synthetic shapes generator: seeded, and each class drawn as its shape.
using Dtrain.Models.Data;

namespace Dtrain.Models.Tests.Data;

public sealed class SyntheticShapesTests
{
    [Fact]
    public void Draw_is_identical_for_the_same_seed_and_differs_for_another()
    {
        var a = SyntheticShapes.Draw("circle", 16, new Random(4));
        var b = SyntheticShapes.Draw("circle", 16, new Random(4));
        var c = SyntheticShapes.Draw("circle", 16, new Random(5));

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(16 * 16 * 3, a.Length);
    }

    [Fact]
    public void Draw_paints_a_square_whose_area_differs_from_a_crosses_at_the_same_draw()
    {
        // The same random stream gives the same colours, centre and radius; only the shape differs, and a square of
        // half-width 0.8 radius covers more pixels than a cross of arm width 0.3 radius.
        var square = SyntheticShapes.Draw("square", 32, new Random(9));
        var cross = SyntheticShapes.Draw("cross", 32, new Random(9));

        Assert.True(Painted(square) > Painted(cross), $"square {Painted(square)} px, cross {Painted(cross)} px");
    }

    [Fact]
    public void Draw_refuses_an_unknown_shape()
    {
        var error = Assert.Throws<ArgumentException>(() => SyntheticShapes.Draw("hexagon", 16, new Random(1)));

        Assert.Contains("unknown shape 'hexagon'", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Pixels far from the corner pixel's colour (the background, as a corner is never inside a shape).</summary>
    private static int Painted(byte[] pixels)
    {
        int count = 0;
        for (int p = 0; p < pixels.Length; p += 3)
        {
            if (Math.Abs(pixels[p] - pixels[0]) + Math.Abs(pixels[p + 1] - pixels[1]) + Math.Abs(pixels[p + 2] - pixels[2]) > 120)
                count++;
        }

        return count;
    }
}
