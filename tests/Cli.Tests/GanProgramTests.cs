// The adversarial training program end to end in real dtrain processes: a tiny GAN's discriminator and generator take
// turns, the job is killed in the middle of its phase and resumed, and the exported generator draws points near the
// data (it starts near 0, the data lie near (3, 3)).
using System.Buffers.Binary;
using System.Globalization;
using System.Text.RegularExpressions;
using Dtrain.Cli.Tests.Telemetry;
using Dtrain.Tests;

namespace Dtrain.Cli.Tests;

public sealed class GanProgramTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);
    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-gan-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_gan_killed_in_its_adversarial_phase_resumes_there_and_its_generator_draws_near_the_data()
    {
        // Arrange: small batches and forty epochs, so the kill after the third epoch lands inside the phase even when the
        // test process hears of the checkpoint late (on a loaded machine the output can lag by seconds).
        var model = Path.Combine(_dir, "tiny-gan.json");
        File.WriteAllText(model, TinyGan.ModelJson.Replace("\"epochs\": 6", "\"epochs\": 40", StringComparison.Ordinal)
            .Replace("\"batch\": 32", "\"batch\": 8", StringComparison.Ordinal));
        var (train, test) = (Path.Combine(_dir, "train.csv"), Path.Combine(_dir, "test.csv"));
        TinyGan.WritePoints(train, 2000, seed: 1);
        TinyGan.WritePoints(test, 200, seed: 2);
        var runs = Path.Combine(_dir, "runs");
        string[] data = ["--train", train, "--test", test, "--label", "label", "--task", "unsupervised"];
        using (var first = BackgroundProcess.Dtrain(["train", model, .. data, "--checkpoint-dir", runs]))
        {
            ProgramTrainingTests.WaitFor(first, new Regex(@"checkpoint \d+ saved \([^)]*resumes at epoch 4,"));
        } // Dispose kills the process (SIGKILL)

        var job = Assert.Single(Directory.GetDirectories(runs));

        // Act
        var resumed = DtrainProcess.Run(Limit, Environment, "resume", job);
        var exported = DtrainProcess.Run(Limit, Environment, "export", job, "--output", Path.Combine(_dir, "gan.dtmodel"));
        var samples = Path.Combine(_dir, "samples.idx");
        var generated = DtrainProcess.Run(Limit, Environment, "generate", Path.Combine(_dir, "gan.dtmodel"), "--count", "2000", "--output", samples);

        // Assert: resumed inside the phase, finished it, and the samples moved from near 0 to near (3, 3).
        Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
        var from = Regex.Match(resumed.Stdout, @"resumed from checkpoint \d+ \(dtrain resume\): epoch (\d+),");
        Assert.True(from.Success, resumed.Stdout);
        var epoch = int.Parse(from.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(epoch, 4, 40);
        Assert.Matches($@"\n\s+{epoch}\s+adversarial\s", resumed.Stdout);
        Assert.Matches(@"\n\s+40\s+adversarial\s", resumed.Stdout);
        Assert.True(exported.ExitCode == 0, exported.Stdout + exported.Stderr);
        Assert.True(generated.ExitCode == 0, generated.Stdout + generated.Stderr);
        var means = SampleMeans(samples, low: 0, high: 6);
        Assert.All(means, m => Assert.InRange(m, TinyGan.Centre - 1.5, TinyGan.Centre + 1.5));
    }

    private Dictionary<string, string> Environment => new() { ["DTRAIN_CACHE"] = Path.Combine(_dir, "cache") };

    /// <summary>Each coordinate's mean over an IDX file of N x 1 x 2 bytes written with range [low, high].</summary>
    private static double[] SampleMeans(string path, double low, double high)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(0x00000803, BinaryPrimitives.ReadInt32BigEndian(bytes));
        var count = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        var width = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8)) * BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(12));
        Assert.Equal(2, width);
        return Enumerable.Range(0, width)
            .Select(c => Enumerable.Range(0, count).Average(i => low + (bytes[16 + (i * width) + c] / 255.0 * (high - low))))
            .ToArray();
    }
}
