// The agreement check of the transposed convolution (conv2d's input-gradient path on its own).
using Dtrain.Models.Backends;

namespace Dtrain.Models.Tests.Backends;

public abstract partial class BackendAgreementTests
{
    [SkippableTheory]
    [InlineData(2, 1, 4, 1)]
    [InlineData(1, 0, 3, 1)]
    [InlineData(1, 0, 1, 8)]
    [InlineData(2, 0, 3, 2)]
    public void Conv2d_transpose_agrees(int stride, int padding, int kernel, int slots)
    {
        RequireDevice();
        var g = new Window2d(3, 10, 9, kernel, kernel, stride, stride, padding, padding);
        const int filters = 5, batch = 3;
        var (x, w) = (Random(batch * filters * g.OutputPlane), Random(filters * g.PatchSize));
        var (y, columns) = (NaNs(batch * g.InputSize), Random(g.ColumnSize * slots));
        Both((be, t) => be.Conv2dTransposeForward(g, filters, batch, t(x), t(w), t(y), t(columns)));
        AssertAgree(y, 1e-4f, "y");
    }
}
