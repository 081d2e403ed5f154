// dtrain-bench: micro-benchmarks for the training stack, one subcommand per thing measured.
using Dtrain.Bench;

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
    return Usage(args.Length == 0 ? 2 : 0);

string[] rest = args[1..];
try
{
    return args[0] switch
    {
        "gemm" => GemmBench.Run(rest),
        "conv" => ConvBench.Run(rest),
        "device" => DeviceBench.Run(rest),
        "transport" => TransportBench.Run(rest),
        "transport-peer" => TransportPeer.Run(rest),
        "checkpoint" => CheckpointBench.Run(rest),
        "overlap" => OverlapBench.Run(rest),
        "faults" => Dtrain.Bench.Faults.FaultBench.Run(rest),
        "data-memory" => DataBench.Memory(rest),
        "data-formats" => DataBench.Formats(rest),
        "hopfield-capacity" => HopfieldCapacityBench.Run(rest),
        _ => Usage(2),
    };
}
catch (ArgumentException e)
{
    // Bad options: one line that says what was wrong and where the usage is.
    Console.Error.WriteLine($"dtrain-bench: {e.Message} (dtrain-bench --help shows the options)");
    return 2;
}

static int Usage(int exitCode)
{
    var w = exitCode == 0 ? Console.Out : Console.Error;
    w.WriteLine("usage: dtrain-bench <command> [options]");
    w.WriteLine();
    w.WriteLine("commands:");
    w.WriteLine("  gemm [--threads N] [--seconds S] [--path avx512|avx2|portable]");
    w.WriteLine("        SGEMM GFLOP/s for the MLP and square shapes, all four transpose cases,");
    w.WriteLine("        after checking every kernel path against a reference.");
    w.WriteLine("  conv [--threads N] [--batch B] [--seconds S]");
    w.WriteLine("        conv2d forward and backward on LeNet-5's two layers, direct and im2col paths,");
    w.WriteLine("        after checking both against a naive convolution.");
    w.WriteLine("  device [--device auto|cpu|cuda[:N]|opencl[:N]|ilgpu-cpu] [--sizes 1024,4096,8192] [--models a.json,b.json] [--batches 128,512] [--seconds S]");
    w.WriteLine("        square SGEMM GFLOP/s and training examples/s of full steps kept on the device (forward,");
    w.WriteLine("        backward, Adam update, loss read) on one backend, after checking its GEMM against the CPU backend.");
    w.WriteLine("  transport [--sizes 1,4] [--reps N] [--mb M] [--window W] [--tls]");
    w.WriteLine("        push/pull MB/s between two processes: raw loopback TCP, Akka.Remote, the bulk channel");
    w.WriteLine("        (and with --tls the bulk channel over TLS), all in one run.");
    w.WriteLine("  checkpoint [--params P] [--shards K] [--reps N] [--db CONN]");
    w.WriteLine("        checkpoint time and training stall for P parameters with Adam (default 100M over 4 shards)");
    w.WriteLine("        into a SQLite file (or --db PostgreSQL), next to an in-memory copy of the same state.");
    w.WriteLine("  overlap [--models a.json,b.json] [--shards K] [--batch B] [--steps N] [--reps R] [--device D] [--threads T]");
    w.WriteLine("        examples/s of one worker against K in-process shards (adam), pushing each shard's part as");
    w.WriteLine("        soon as backward finishes it and after the whole backward, alternated in one run.");
    w.WriteLine("  faults [--runs N] [--seed S] [--roles worker,ps,coordinator] [--markdown] [--job FILE] [--epochs E]");
    w.WriteLine("         [--checkpoint-steps C] [--timeout SECONDS]");
    w.WriteLine("        trains the job (default examples/mnist-mlp-job.json) on a local cluster of processes unfaulted, then N");
    w.WriteLine("        times killing (SIGKILL, then a restart) or pausing (SIGSTOP 10 s, SIGCONT) one role at a seeded moment;");
    w.WriteLine("        prints completion, accuracy against the unfaulted run, steps retrained, time lost and work lost while");
    w.WriteLine("        the job reported success. Exit 0 only when every run completed within 0.5 points and lost nothing.");
    w.WriteLine("  data-memory [--scale 8] [--epochs 1] [--model FILE] [--data-dir DIR] [--work DIR] [--keep]");
    w.WriteLine("        peak RSS of one epoch (default examples/mnist-mlp.json) on MNIST written as NPY once and replicated");
    w.WriteLine("        --scale times, through the encoded cache; exit 0 when the larger peak is within 1.25x of the smaller.");
    w.WriteLine("  data-formats [--epochs 3] [--model FILE] [--data-dir DIR] [--work DIR] [--keep]");
    w.WriteLine("        examples/s after the first epoch with MNIST read as built-in IDX (in memory), and as IDX, CSV and NPY");
    w.WriteLine("        files through the encoded cache, side by side.");
    w.WriteLine("  hopfield-capacity [--ks 5,10,20,...,250] [--seed S] [--data-dir DIR] [--no-mnist]");
    w.WriteLine("        stores the first k MNIST digits (binarised at 0.5) and k random +-1 patterns in a Hopfield network of");
    w.WriteLine("        784 units with the hopfield op (Hebb's rule), recalls each from a copy with 10% of its bits flipped,");
    w.WriteLine("        and prints bits right and patterns recalled exactly per k: random patterns fall off near 0.14 N.");
    return exitCode;
}
