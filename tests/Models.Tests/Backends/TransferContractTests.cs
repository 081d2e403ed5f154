// The host-traffic contract of IBackend, written once for every backend: uploads that do not wait, downloads
// into host buffers that land by a fence, and the checks that name a misfit.
using Dtrain.Models.Backends;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Tests.Backends;

public abstract class TransferContractTests : IDisposable
{
    private readonly IBackend? _backend;
    private readonly string _skipReason;
    private readonly List<IDisposable> _owned = [];

    protected TransferContractTests(IBackend? backend, string skipReason)
    {
        _backend = backend;
        _skipReason = skipReason;
    }

    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        _backend?.Dispose();
    }

    [SkippableFact]
    public void DownloadAsync_lands_each_range_at_its_offset_once_a_later_fence_is_waited()
    {
        var backend = Backend();
        var a = Tensor(Enumerable.Range(0, 1000).Select(i => (float)i).ToArray());
        var b = Tensor(Enumerable.Range(0, 37).Select(i => -(float)i).ToArray());
        var host = Own(backend.AllocateHost(1100));
        host.Array.AsSpan().Fill(7f);

        backend.DownloadAsync(a, host, 0);
        backend.DownloadAsync(b.Slice(1, 30), host, 1050);
        var fence = backend.Fence();
        fence.Wait();

        Assert.True(fence.IsComplete);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (float)i), host.Array.Take(1000));
        Assert.All(host.Array.Skip(1000).Take(50), v => Assert.Equal(7f, v));
        Assert.Equal(Enumerable.Range(1, 30).Select(i => -(float)i), host.Array.Skip(1050).Take(30));
        Assert.All(host.Array.Skip(1080).Take(20), v => Assert.Equal(7f, v));
    }

    [SkippableFact]
    public void DownloadAsync_copies_what_the_kernels_queued_before_it_wrote()
    {
        var backend = Backend();
        var x = Tensor(new float[64]);
        var host = Own(backend.AllocateHost(64));

        // Queue a kernel, then the copy: the copy must see the kernel's result, not the zeros before it.
        backend.Fill(x, 3f);
        backend.DownloadAsync(x, host, 0);
        backend.Fence().Wait();

        Assert.All(host.Array.Take(64), v => Assert.Equal(3f, v));
    }

    [SkippableFact]
    public void Many_uploads_in_a_row_each_reach_their_tensor()
    {
        // More uploads than a staging ring holds: every one must land, none overwritten before it was copied.
        var backend = Backend();
        var targets = Enumerable.Range(0, 40).Select(_ => Tensor(new float[5000])).ToArray();
        var source = new float[5000];
        for (var t = 0; t < targets.Length; t++)
        {
            source.AsSpan().Fill(t);
            backend.Upload(source, targets[t]);
        }

        for (var t = 0; t < targets.Length; t++)
        {
            var got = new float[5000];
            backend.Download(targets[t], got);
            Assert.All(got, v => Assert.Equal(t, v));
        }
    }

    [SkippableFact]
    public void DownloadAsync_past_the_end_of_the_host_buffer_names_the_sizes()
    {
        var backend = Backend();
        var x = Tensor(new float[10]);
        var host = Own(backend.AllocateHost(12));

        var e = Assert.Throws<ArgumentException>(() => backend.DownloadAsync(x, host, 5));

        Assert.Contains("10 floats at offset 5 do not fit a host buffer of 12", e.Message);
    }

    private IBackend Backend()
    {
        Skip.If(_backend is null, _skipReason);
        return _backend!;
    }

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private Tensor Tensor(float[] values)
    {
        var buffer = Own(_backend!.Allocate(values.Length));
        var tensor = new Tensor(buffer, 0, values.Length);
        _backend.Upload(values, tensor);
        return tensor;
    }
}

public sealed class CpuTransferContractTests() : TransferContractTests(new CpuBackend(threads: 1), "the CPU backend is always present");
