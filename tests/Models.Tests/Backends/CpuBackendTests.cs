// Runs the shared kernel contract on the managed SIMD CPU backend, plus what only the CPU backend offers: its
// optimizer step is the optimizer's own Apply, bit for bit.
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Optimizers;
using Factory = Dtrain.Models.Optimizers.Optimizers;

namespace Dtrain.Models.Tests.Backends;

public sealed class CpuBackendTests : BackendKernelTests
{
    public CpuBackendTests()
        : base(new CpuBackend(threads: 1))
    {
    }

    [Fact]
    public void Span_views_exactly_the_tensor()
    {
        var tensor = Put(1f, 2f, 3f);

        var span = CpuBackend.Span(tensor);
        span[1] = 20f;

        Assert.Equal(3, span.Length);
        Assert.Equal([1f, 20f, 3f], Get(tensor));
        AssertGuardsIntact();
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("momentum")]
    [InlineData("nesterov")]
    [InlineData("adagrad")]
    [InlineData("rmsprop")]
    [InlineData("adadelta")]
    [InlineData("adam")]
    [InlineData("adamw")]
    public void OptimizerStep_is_exactly_the_optimizers_Apply(string type)
    {
        // Arrange: the same start on host arrays and in backend tensors; 27 = 16 + 8 + 3 reaches every SIMD path.
        var optimizer = Factory.Create(new OptimizerSettings(type, LearningRate: 0.1f, WeightDecay: 0.05f));
        var (w, s0, s1) = (Series(27, 1), new float[27], new float[27]);
        var (tw, ts0, ts1) = (Put(w), Put(s0), Put(s1));

        for (var step = 1; step <= 3; step++)
        {
            var g = Series(27, 10 + step);

            // Act
            optimizer.Apply(w, g, s0, s1, step, 0.5f);
            Backend.OptimizerStep(optimizer, tw, Put(g), ts0, ts1, step, 0.5f);

            // Assert: exact equality; a slot the rule does not use stays zero on both sides.
            Assert.Equal(w, Get(tw));
            Assert.Equal(s0, Get(ts0));
            Assert.Equal(s1, Get(ts1));
        }

        AssertGuardsIntact();
    }
}
