// Reads a node's --config file (HOCON or JSON) as untrusted text: size, structure and includes are checked before
// Akka's parser sees it (which loops forever on an unclosed array), and the parse itself is bounded in time.
using Akka.Configuration;
using Akka.Configuration.Hocon;
using Dtrain.Models;

namespace Dtrain.Cli.Cluster;

/// <summary>A checked, parsed config file and typed access to its <c>dtrain</c> section.</summary>
public static class ConfigFile
{
    /// <summary>Largest config file read: settings are lines, not data.</summary>
    public const long MaxBytes = 1 << 20;

    /// <summary>Longest the parser may take; a file that needs more is refused rather than waited on.</summary>
    public static readonly TimeSpan ParseLimit = TimeSpan.FromSeconds(5);

    /// <summary>Reads and parses <paramref name="path"/>; any problem is one <see cref="DtrainException"/> line naming the file.</summary>
    public static Config Load(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new DtrainException($"--config: file '{path}' does not exist");
        }

        if (info.Length > MaxBytes)
        {
            throw new DtrainException($"{path}: {info.Length:N0} bytes; a config file may hold at most {MaxBytes:N0}");
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DtrainException($"{path}: cannot read it: {e.Message}");
        }

        return Parse(text, path);
    }

    /// <summary>Checks and parses <paramref name="text"/>; <paramref name="name"/> says where it came from in errors.</summary>
    public static Config Parse(string text, string name)
    {
        if (text.Length > MaxBytes)
        {
            throw new DtrainException($"{name}: {text.Length:N0} characters; a config file may hold at most {MaxBytes:N0}");
        }

        CheckStructure(text, name);

        // Akka's parser runs on its own thread so a pathological input costs at most the limit, then an error.
        var parse = Task.Run(() => ConfigurationFactory.ParseString(text));
        try
        {
            if (!parse.Wait(ParseLimit))
            {
                throw new DtrainException($"{name}: the HOCON parser did not finish within {ParseLimit.TotalSeconds:F0} s; simplify the file");
            }

            var config = parse.Result;
            if (config.HasPath("dtrain") && !config.GetValue("dtrain").IsObject())
            {
                throw new DtrainException($"{name}: dtrain must be an object of settings ({{ host = ..., port = ... }}), not {Describe(config.GetValue("dtrain"))}");
            }

            return config;
        }
        catch (AggregateException e)
        {
            var cause = e.GetBaseException();
            throw new DtrainException($"{name}: not valid HOCON/JSON: {Printable.Of(OneLine(cause.Message), 300)}");
        }
    }

    /// <summary>
    /// A setting of the <c>dtrain</c> section as text: a string, a number or a boolean; a list of them is joined with
    /// commas where <paramref name="list"/> allows one (<c>roles = [ps, worker]</c>). Any other value is an error naming
    /// the key: a wrong type is refused, never read as nothing.
    /// </summary>
    public static string? GetText(Config? file, string key, string name, bool list = false)
    {
        var path = $"dtrain.{key}";
        if (file is null || !file.HasPath(path))
        {
            return null;
        }

        var value = file.GetValue(path);
        if (value.IsString())
        {
            return value.GetString();
        }

        if (list && value.IsArray() && value.GetArray().All(v => v.IsString()))
        {
            return string.Join(",", value.GetArray().Select(v => v.GetString()));
        }

        throw new DtrainException($"{name}: {path} must be {(list ? "a string or a list of strings" : "a string or a number")}, not {Describe(value)}");
    }

    /// <summary>Keys of the <c>dtrain</c> section none of <paramref name="known"/> names: typos, refused by name.</summary>
    public static void RejectUnknown(Config? file, IReadOnlyCollection<string> known, string name)
    {
        if (file is null || !file.HasPath("dtrain"))
        {
            return;
        }

        foreach (var key in file.GetValue("dtrain").GetObject().Items.Keys)
        {
            if (!known.Contains(key))
            {
                throw new DtrainException($"{name}: unknown setting dtrain.{Printable.Of(key)}; known: {string.Join(", ", known.Order(StringComparer.Ordinal))}");
            }
        }
    }

    /// <summary>
    /// Brackets and braces balanced and closed in order, strings closed, no <c>include</c>: the cases Akka's parser
    /// loops on, crashes on, or would read another file for. Comments and quoted text are skipped.
    /// </summary>
    internal static void CheckStructure(string text, string name)
    {
        var open = new Stack<(char Bracket, int Line, int Column)>();
        var (line, column) = (1, 0);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            column++;
            if (c == '\n')
            {
                (line, column) = (line + 1, 0);
                continue;
            }

            if (c == '#' || (c == '/' && i + 1 < text.Length && text[i + 1] == '/'))
            {
                while (i + 1 < text.Length && text[i + 1] != '\n')
                {
                    i++;
                }

                continue;
            }

            if (c == '"')
            {
                var (startLine, startColumn) = (line, column);
                var triple = i + 2 < text.Length && text[i + 1] == '"' && text[i + 2] == '"';
                i = triple ? text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal) : EndOfString(text, i + 1);
                if (i < 0)
                {
                    throw new DtrainException($"{name}:{startLine}:{startColumn}: the string opened here is never closed");
                }

                i += triple ? 2 : 0;
                continue;
            }

            switch (c)
            {
                case '{' or '[':
                    open.Push((c, line, column));
                    break;
                case '}' or ']':
                    var expected = c == '}' ? '{' : '[';
                    if (open.Count == 0)
                    {
                        throw new DtrainException($"{name}:{line}:{column}: '{c}' closes nothing");
                    }

                    var top = open.Pop();
                    if (top.Bracket != expected)
                    {
                        throw new DtrainException($"{name}:{line}:{column}: '{c}' cannot close the '{top.Bracket}' opened at {top.Line}:{top.Column}");
                    }

                    break;
                case 'i' when IsWord(text, i, "include"):
                    throw new DtrainException($"{name}:{line}:{column}: 'include' is not allowed in a dtrain config file; put the settings in this file");
            }
        }

        if (open.TryPop(out var unclosed))
        {
            throw new DtrainException($"{name}:{unclosed.Line}:{unclosed.Column}: the '{unclosed.Bracket}' opened here is never closed");
        }
    }

    /// <summary>Index of the quote that ends a string starting at <paramref name="from"/> (escapes skipped), or -1.</summary>
    private static int EndOfString(string text, int from)
    {
        for (var i = from; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == '"')
            {
                return i;
            }
            else if (text[i] == '\n')
            {
                return -1;
            }
        }

        return -1;
    }

    /// <summary>True when <paramref name="word"/> stands alone at <paramref name="at"/> (an unquoted key or directive).</summary>
    private static bool IsWord(string text, int at, string word) =>
        string.CompareOrdinal(text, at, word, 0, word.Length) == 0
        && (at == 0 || !IsKeyChar(text[at - 1]))
        && (at + word.Length == text.Length || !IsKeyChar(text[at + word.Length]));

    private static bool IsKeyChar(char c) => char.IsLetterOrDigit(c) || c is '-' or '_' or '.';

    private static string Describe(HoconValue value) =>
        value.IsObject() ? "an object" : value.IsArray() ? "a list" : value.IsEmpty ? "empty" : $"'{Printable.Of(value.ToString())}'";

    private static string OneLine(string message) =>
        message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is [var first, ..] ? first : message;
}
