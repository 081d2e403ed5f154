// The --device option of dtrain train: which backend the local job's workers compute on (see DeviceSelection).
using Dtrain.Models.Backends;

namespace Dtrain.Cli;

/// <summary>
/// Holds the device the train command asked for and resolves it once per process, so the banner and the
/// workers see the same choice. Without the option the device is <c>auto</c>: a CUDA GPU when one works, else the CPU.
/// </summary>
public static class DeviceOption
{
    private static readonly Lock Gate = new();
    private static string _device = "auto";
    private static (string Device, int Threads, DeviceSelection Selection)? _resolved;

    /// <summary>Reads <c>--device</c> (auto, cpu, cuda, cuda:N, opencl, opencl:N, ilgpu-cpu) from the command line.</summary>
    public static void Read(CommandLine cl)
    {
        lock (Gate)
        {
            _device = cl.String("--device") ?? "auto";
        }
    }

    /// <summary>What the workers compute on, for the run's banner; an unknown or missing device fails here, before training.</summary>
    public static string Describe(int threads) => Resolve(threads).Name;

    /// <summary>The factory each local worker builds its backend with.</summary>
    public static Func<IBackend> Factory(int threads) => Resolve(threads).Create;

    private static DeviceSelection Resolve(int threads)
    {
        lock (Gate)
        {
            if (_resolved is not { } r || r.Device != _device || r.Threads != threads)
            {
                _resolved = (_device, threads, DeviceSelection.Parse(_device, threads));
            }

            return _resolved.Value.Selection;
        }
    }
}
