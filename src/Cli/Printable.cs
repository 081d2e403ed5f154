// Text from an input shown in an error line: control characters (newlines, ANSI escapes) escaped and the length
// bounded, so a hostile value can neither break the one-line rule nor drive the terminal.
namespace Dtrain.Cli;

/// <summary>Makes input text safe to print inside one error line.</summary>
public static class Printable
{
    /// <summary><paramref name="text"/> with control characters as <c>\uXXXX</c>, cut after <paramref name="max"/> characters.</summary>
    public static string Of(string text, int max = 80) =>
        string.Concat(text.Take(max).Select(c => char.IsControl(c) || char.IsSurrogate(c) || c == '\uFFFD' ? $"\\u{(int)c:x4}" : c.ToString()))
        + (text.Length > max ? $"... ({text.Length:N0} characters)" : "");
}
