// Text from an input shown in an error line: what a terminal would act on escaped (Models' Printable) and the
// length bounded, so a hostile value can neither break the one-line rule nor drive the terminal.
namespace Dtrain.Cli;

/// <summary>Makes input text safe to print inside one error line.</summary>
public static class Printable
{
    /// <summary><paramref name="text"/> cut after <paramref name="max"/> characters, control and bidi characters as <c>\uXXXX</c>.</summary>
    public static string Of(string text, int max = 80) =>
        Models.Printable.Escape(text.Length > max ? text[..max] : text)
        + (text.Length > max ? $"... ({text.Length:N0} characters)" : "");
}
