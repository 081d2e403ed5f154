// Mutated job files (the file dtrain submit reads a model path and flags from): each yields a model path and flags
// or one line naming the file, never a JSON or key exception.
using CsCheck;
using Dtrain.Cli.Cluster;

namespace Dtrain.Fuzz.Tests;

public sealed class JobFileFuzzTests
{
    private static readonly string[] Seeds =
    [
        """{"model": "mnist-mlp.json", "flags": {"workers": 2, "ps-shards": 2, "epochs": 3}}""",
        """{"model": "/abs/model.json", "flags": {"--lr": "0.01", "mode": "sync", "backup-workers": 1}}""",
        """{"model": "m.json"}""",
    ];

    private static readonly string[] Tokens = ["{", "}", "[", "]", "\"", ":", ",", "null", "true", "1e999", "-0", "\"\\u0000\"", "\"\\u001b[31m\"", "\"model\"", "\"flags\"", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["];

    [Fact]
    public void Every_mutated_job_file_yields_a_model_and_flags_or_one_line()
    {
        ByteMutation.OfTexts(Seeds, Tokens).Sample(
            text => FuzzAssert.AcceptedOrOneLine(
                () =>
                {
                    var (model, flags) = JobFile.Parse(text, "/jobs/fuzz-job.json");
                    Assert.False(string.IsNullOrEmpty(model));
                    Assert.True(flags.Count % 2 == 0, "flags come as name and value");
                    Assert.All(flags.Where((_, i) => i % 2 == 0), f => Assert.StartsWith("--", f));
                },
                text),
            seed: FuzzBudget.Seed,
            iter: FuzzBudget.Iterations,
            threads: 1,
            print: FuzzAssert.Show);
    }
}
