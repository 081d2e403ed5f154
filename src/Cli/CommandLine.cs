// A small option parser: positional arguments and --name value pairs, with errors that name the flag.
using System.Globalization;
using Dtrain.Models;

namespace Dtrain.Cli;

/// <summary>A command-line mistake; printed with a pointer to <c>--help</c>.</summary>
public sealed class UsageException(string message) : DtrainException(message);

/// <summary>Parsed arguments of one subcommand.</summary>
public sealed class CommandLine
{
    /// <summary>Options that take no value.</summary>
    internal static readonly HashSet<string> Switches = ["--serialize-messages", "--dashboard", "--no-checkpoint", "--no-overlap-push", "--best"];
    private readonly Dictionary<string, string?> _options;
    private readonly HashSet<string> _read = [];

    private CommandLine(List<string> positional, Dictionary<string, string?> options)
    {
        Positional = positional;
        _options = options;
    }

    /// <summary>Arguments that are not options, in order.</summary>
    public IReadOnlyList<string> Positional { get; }

    /// <summary>Splits <paramref name="args"/> into positional arguments and options.</summary>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var positional = new List<string>();
        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal))
            {
                positional.Add(a);
                continue;
            }

            var eq = a.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                options[a[..eq]] = a[(eq + 1)..];
            }
            else if (Switches.Contains(a))
            {
                options[a] = null;
            }
            else if (i + 1 < args.Count)
            {
                options[a] = args[++i];
            }
            else
            {
                throw new UsageException($"option {a} needs a value");
            }
        }

        return new CommandLine(positional, options);
    }

    /// <summary>True when a value-less switch was given.</summary>
    public bool Flag(string name)
    {
        _read.Add(name);
        return _options.ContainsKey(name);
    }

    /// <summary>A string option, or null.</summary>
    public string? String(string name)
    {
        _read.Add(name);
        return _options.TryGetValue(name, out var v) ? v : null;
    }

    /// <summary>An integer option, or null.</summary>
    public int? Int(string name) => String(name) is { } v
        ? int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : throw new UsageException($"{name} expects an integer, got '{v}'")
        : null;

    /// <summary>A number option, or null.</summary>
    public float? Float(string name) => String(name) is { } v
        ? float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) ? f : throw new UsageException($"{name} expects a number, got '{v}'")
        : null;

    /// <summary>Fails on any option the command did not read (a typo must not pass silently).</summary>
    public void RejectUnknown()
    {
        var unknown = _options.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new UsageException($"unknown option {string.Join(", ", unknown)}");
        }
    }

    /// <summary>The single positional argument a command needs, e.g. the model file.</summary>
    public string Single(string what)
    {
        return Positional.Count == 1 ? Positional[0] : throw new UsageException($"expected one {what}, got {Positional.Count} arguments");
    }
}
