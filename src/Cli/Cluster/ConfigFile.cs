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
    /// Brackets and braces balanced and closed in order, strings closed, no backslash outside a string, no
    /// <c>include</c>, and lists that hold only values: the cases Akka's parser loops on, crashes on, or would read
    /// another file for. Comments and quoted text are skipped.
    /// </summary>
    /// <remarks>
    /// Akka's HOCON parser loops forever on almost any unexpected token inside a list (<c>[1,]</c>, <c>[a=b]</c>,
    /// <c>["x"$]</c>, <c>["a""b"]</c>, <c>[${?X}]</c>, <c>[host:port]</c>), and its thread cannot be stopped, so a
    /// list is checked against a strict grammar first: quoted strings, words of letters, digits, '.', '-' and '_',
    /// lists and objects, separated by commas or new lines.
    /// </remarks>
    internal static void CheckStructure(string text, string name)
    {
        var open = new Stack<(char Bracket, int Line, int Column, ListState Outer)>();
        var list = ListState.None;
        var (line, column) = (1, 0);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            column++;
            if (c == '\n')
            {
                (line, column) = (line + 1, 0);
                list = list is ListState.InWord or ListState.AfterValue ? ListState.AfterValueLine : list;
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
                CheckValueMayStart(list, c, name, line, column);
                var triple = i + 2 < text.Length && text[i + 1] == '"' && text[i + 2] == '"';
                var close = triple ? text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal) : EndOfString(text, i + 1);
                if (close < 0)
                {
                    throw new DtrainException($"{name}:{startLine}:{startColumn}: the string opened here is never closed");
                }

                // Count the string's characters (a triple-quoted one may span lines) so later positions stay true.
                var last = close + (triple ? 2 : 0);
                for (i++; i <= last; i++)
                {
                    (line, column) = text[i] == '\n' ? (line + 1, 0) : (line, column + 1);
                }

                i = last;
                list = list == ListState.None ? list : ListState.AfterValue;
                continue;
            }

            switch (c)
            {
                case '{' or '[':
                    CheckValueMayStart(list, c, name, line, column);
                    open.Push((c, line, column, list == ListState.None ? list : ListState.AfterValue));
                    list = c == '[' ? ListState.Start : ListState.None;
                    break;
                case '}' or ']':
                    var expected = c == '}' ? '{' : '[';
                    if (open.Count == 0)
                    {
                        throw new DtrainException($"{name}:{line}:{column}: '{c}' closes nothing");
                    }

                    if (list == ListState.AfterComma)
                    {
                        throw new DtrainException($"{name}:{line}:{column}: a list may not end with a comma");
                    }

                    var top = open.Pop();
                    if (top.Bracket != expected)
                    {
                        throw new DtrainException($"{name}:{line}:{column}: '{c}' cannot close the '{top.Bracket}' opened at {top.Line}:{top.Column}");
                    }

                    list = top.Outer;
                    break;
                case '\\':
                    // Outside a quoted string a backslash is never valid HOCON, and inside a list the parser loops on it.
                    throw new DtrainException($"{name}:{line}:{column}: a backslash outside a quoted string is not valid HOCON; quote the value");
                case 'i' when IsWord(text, i, "include"):
                    throw new DtrainException($"{name}:{line}:{column}: 'include' is not allowed in a dtrain config file; put the settings in this file");
                case ',' when list != ListState.None:
                    if (list is ListState.Start or ListState.AfterComma)
                    {
                        throw new DtrainException($"{name}:{line}:{column}: a comma with no value before it in a list");
                    }

                    list = ListState.AfterComma;
                    break;
                case ' ' or '\t' or '\r' when list != ListState.None:
                    list = list == ListState.InWord ? ListState.AfterValue : list;
                    break;
                case var w when list != ListState.None && (char.IsAsciiLetterOrDigit(w) || w is '.' or '-' or '_'):
                    if (list != ListState.InWord)
                    {
                        CheckValueMayStart(list, c, name, line, column);
                        list = ListState.InWord;
                    }

                    break;
                case var other when list != ListState.None:
                    throw new DtrainException($"{name}:{line}:{column}: '{Printable.Of(other.ToString())}' cannot stand in a list; a list holds quoted strings, numbers, words, lists and objects separated by commas (quote the value)");
            }
        }

        if (open.TryPop(out var unclosed))
        {
            throw new DtrainException($"{name}:{unclosed.Line}:{unclosed.Column}: the '{unclosed.Bracket}' opened here is never closed");
        }
    }

    /// <summary>Refuses a value that follows another in a list on the same line without a comma (Akka loops on it).</summary>
    private static void CheckValueMayStart(ListState list, char c, string name, int line, int column)
    {
        if (list is ListState.InWord or ListState.AfterValue)
        {
            throw new DtrainException($"{name}:{line}:{column}: '{Printable.Of(c.ToString())}' follows a value in a list without a comma between them");
        }
    }

    /// <summary>Where the check stands inside the innermost list (<see cref="None"/>: the innermost bracket is not a list).</summary>
    private enum ListState
    {
        None,
        Start,
        AfterComma,
        InWord,
        AfterValue,
        AfterValueLine,
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
