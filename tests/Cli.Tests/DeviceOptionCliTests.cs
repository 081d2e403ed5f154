// --device on the command line: a device that is missing or unknown stops the run with one line naming it, and
// auto falls back to the CPU backend when no GPU is found.
using Dtrain.Models;
using Dtrain.Models.Backends;
using Dtrain.Models.Backends.Ilgpu;

namespace Dtrain.Cli.Tests;

public sealed class DeviceOptionCliTests
{
    [SkippableTheory]
    [InlineData("cuda", "device cuda not found")]
    [InlineData("cuda:3", "device cuda:3 not found")]
    [InlineData("opencl:7", "device opencl:7 not found")]
    [InlineData("tpu", "--device 'tpu' is not known; known: auto, cpu, cuda, cuda:N, opencl, opencl:N, ilgpu-cpu")]
    public void Train_on_a_device_this_machine_lacks_says_so_in_one_line(string device, string expected)
    {
        var cudaNeeded = device switch { "cuda" => 1, "cuda:3" => 4, _ => int.MaxValue };
        Skip.If(IlgpuDevices.Count(IlgpuDeviceKind.Cuda) >= cudaNeeded, "this machine has the CUDA device asked for");

        var result = DtrainProcess.Run(TimeSpan.FromSeconds(60), "train", DtrainProcess.Example("mnist-mlp.json"), "--device", device, "--epochs", "1");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expected, result.Stderr);
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", result.Stderr);
    }

    [SkippableFact]
    public void Auto_without_a_gpu_is_the_cpu_backend_and_ilgpu_cpu_is_the_ilgpu_backend()
    {
        Skip.If(DeviceSelection.GpuCount() > 0, "a CUDA device is present: auto picks it");

        using var auto = DeviceSelection.Parse("auto", 1).Create();
        using var ilgpu = DeviceSelection.Parse("ilgpu-cpu", 1).Create();

        Assert.StartsWith("cpu", auto.Name, StringComparison.Ordinal);
        Assert.IsType<IlgpuBackend>(ilgpu);
        Assert.Throws<DtrainException>(() => DeviceSelection.Parse("cuda", 1).Create());
    }
}
