// A model file larger than Akka's default 128,000-byte frame reaches the coordinator of real node processes; one
// larger than the transport carries at all is refused by submit in one line, before anything is sent.
namespace Dtrain.Cluster.Tests;

public sealed class ClusterSubmissionSizeTests : IDisposable
{
    private readonly LocalCluster _cluster = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-submission-size-").FullName;

    [Fact]
    public void A_model_file_of_300_kB_is_accepted_by_the_cluster()
    {
        _cluster.StartNode("coordinator");
        _cluster.StartNode("ps");
        _cluster.StartNode("worker");
        var model = PaddedModel(300_000);

        var submit = _cluster.Start("submit", ["submit", model, "--cluster", _cluster.Seed, "--epochs", "1"]);

        Assert.True(submit.WaitFor(" submitted to ", TimeSpan.FromMinutes(3)), $"{submit.Output}\n{_cluster.Logs()}");
        Assert.DoesNotContain("no answer", submit.Output);
    }

    [Fact]
    public void A_model_file_larger_than_a_transport_frame_is_refused_by_submit_in_one_line_before_sending()
    {
        var model = PaddedModel(5 << 20);

        var (code, output) = _cluster.Run(TimeSpan.FromSeconds(60), "submit", model, "--cluster", "127.0.0.1:1");

        Assert.Equal(1, code);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"dtrain: error: {model}: the submission would be 5,", line);
        Assert.Contains("the cluster transport carries at most 4,194,304 bytes per message", line);
    }

    public void Dispose()
    {
        _cluster.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>mnist-mlp.json followed by spaces up to about <paramref name="bytes"/> bytes: the same model, a larger file.</summary>
    private string PaddedModel(int bytes)
    {
        var text = File.ReadAllText(LocalCluster.Example("mnist-mlp.json"));
        var path = Path.Combine(_dir, "mnist-mlp.json");
        File.WriteAllText(path, text + new string(' ', Math.Max(0, bytes - text.Length)));
        return path;
    }
}
