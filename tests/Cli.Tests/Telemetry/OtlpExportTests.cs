// With OTEL_EXPORTER_OTLP_ENDPOINT set, a run sends metrics and sampled step traces over OTLP/HTTP, named dtrain-local.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;

namespace Dtrain.Cli.Tests.Telemetry;

public sealed class OtlpExportTests
{
    [Fact]
    public async Task Run_exports_metrics_and_traces_to_the_OTLP_endpoint_in_the_environment()
    {
        // Arrange: a loopback HTTP receiver standing where a collector would (OTLP/HTTP posts protobuf bodies).
        var port = TestHost.FreePort();
        using var receiver = new HttpListener();
        receiver.Prefixes.Add($"http://127.0.0.1:{port}/");
        receiver.Start();
        var bodies = new ConcurrentDictionary<string, StringBuilder>();
        var serving = Task.Run(async () =>
        {
            while (receiver.IsListening)
            {
                HttpListenerContext c;
                try
                {
                    c = await receiver.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using var body = new MemoryStream();
                await c.Request.InputStream.CopyToAsync(body);
                // Protobuf keeps strings as raw UTF-8, so names can be found in the bytes.
                bodies.GetOrAdd(c.Request.Url!.AbsolutePath, _ => new StringBuilder()).Append(Encoding.UTF8.GetString(body.ToArray()));
                c.Response.StatusCode = 200;
                c.Response.Close();
            }
        });

        // Act: every step traced, metrics exported each second and at exit.
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "dtrain.dll"), "train", DtrainProcess.Example("mnist-mlp.json"), "--epochs", "1", "--data-dir", DtrainProcess.MnistDir(), "--trace-ratio", "1" })
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{port}";
        start.Environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        start.Environment["OTEL_METRIC_EXPORT_INTERVAL"] = "1000";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "dtrain did not finish");
        receiver.Stop();
        await serving;

        // Assert
        Assert.True(process.ExitCode == 0, $"{await output}\n{await errors}");
        Assert.True(bodies.TryGetValue("/v1/metrics", out var metrics), $"no metrics were posted; paths: {string.Join(", ", bodies.Keys)}");
        Assert.Contains("dtrain-local", metrics.ToString());
        Assert.Contains("dtrain.worker.examples", metrics.ToString());
        Assert.True(bodies.TryGetValue("/v1/traces", out var traces), $"no traces were posted; paths: {string.Join(", ", bodies.Keys)}");
        Assert.Contains("dtrain.step", traces.ToString());
        Assert.Contains("dtrain.ps.apply", traces.ToString());
    }
}
