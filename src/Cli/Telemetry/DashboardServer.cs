// `--dashboard`: a small live page on loopback (HttpListener), fed by a JSON endpoint, like TensorBoard.
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Dtrain.Models;

namespace Dtrain.Cli.Telemetry;

/// <summary>
/// Serves <c>/</c> (a self-contained HTML page, no CDN: inline SVG drawn by a few lines of JS) and
/// <c>/api/state</c> (the recorder's snapshot). The page embeds the snapshot it was served with, so it draws
/// at once and then polls the endpoint every second.
/// </summary>
public sealed class DashboardServer : IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };
    private readonly HttpListener _http = new();
    private readonly TrainingRecorder _recorder;
    private readonly string _page;
    private readonly Task _loop;

    /// <summary>Starts serving on <paramref name="host"/>:<paramref name="port"/>; a port in use is an error naming it.</summary>
    public DashboardServer(TrainingRecorder recorder, string host, int port)
    {
        _recorder = recorder;
        _page = PageTemplate();
        Url = $"http://{host}:{port}/";
        _http.Prefixes.Add(Url);
        try
        {
            _http.Start();
        }
        catch (HttpListenerException e)
        {
            throw new DtrainException($"--dashboard-port {port}: cannot serve the dashboard on {host}:{port}: {e.Message}");
        }

        _loop = Task.Run(ServeAsync);
    }

    /// <summary>Address of the page.</summary>
    public string Url { get; }

    /// <summary>The page with <paramref name="state"/> embedded; <paramref name="live"/> false for a static report.</summary>
    public static string Render(string template, string state, bool live) =>
        template.Replace("/*STATE*/null", state, StringComparison.Ordinal)
            .Replace("/*LIVE*/true", live ? "true" : "false", StringComparison.Ordinal);

    /// <summary>The page's HTML, with placeholders for the state and the live flag.</summary>
    public static string PageTemplate()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("dashboard.html")
            ?? throw new InvalidOperationException("dashboard.html is not embedded in dtrain");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>The recorder's snapshot as JSON.</summary>
    public static string StateJson(TrainingRecorder recorder) => JsonSerializer.Serialize(recorder.Snapshot(), Json);

    /// <inheritdoc />
    public void Dispose()
    {
        _http.Stop();
        _http.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
            // The listener was closed under a pending GetContext: the loop ends with it.
        }
    }

    private async Task ServeAsync()
    {
        while (_http.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _http.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                var path = context.Request.Url?.AbsolutePath ?? "/";
                var (status, type, body) = path switch
                {
                    "/" or "/index.html" => (200, "text/html; charset=utf-8", Render(_page, StateJson(_recorder), live: true)),
                    "/api/state" => (200, "application/json", StateJson(_recorder)),
                    _ => (404, "text/plain", $"not found: {path}"),
                };
                var bytes = Encoding.UTF8.GetBytes(body);
                context.Response.StatusCode = status;
                context.Response.ContentType = type;
                context.Response.Headers["Cache-Control"] = "no-store";
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
            {
                // The browser went away mid-answer; the next request is served as usual.
            }
        }
    }
}
