// A job file names its data as it names its model: relative paths are taken from the job file's folder.
using Dtrain.Cli.Cluster;

namespace Dtrain.Cli.Tests;

public sealed class JobFileDataPathTests
{
    [Fact]
    public void A_job_files_data_paths_are_taken_from_its_folder_like_its_model_path()
    {
        var (model, flags) = JobFile.Parse(
            """{"model": "m.json", "flags": {"train": "data/train.csv", "test": "/datasets/test.csv", "label": "weather", "epochs": 2}}""",
            "/jobs/weather/job.json");

        Assert.Equal("/jobs/weather/m.json", model);
        Assert.Equal(["--train", "/jobs/weather/data/train.csv", "--test", "/datasets/test.csv", "--label", "weather", "--epochs", "2"], flags);
    }
}
