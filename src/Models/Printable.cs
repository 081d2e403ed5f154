// Text from a file made safe for a terminal: control characters, ANSI escapes and bidirectional overrides in a
// hostile name are written as \uXXXX, so an error message is one line that cannot recolour or rewrite the screen.
using System.Globalization;
using System.Text;

namespace Dtrain.Models;

/// <summary>Escapes what a terminal would interpret rather than show.</summary>
public static class Printable
{
    /// <summary>True for a character a terminal acts on instead of printing: C0 and C1 controls, DEL, bidi controls.</summary>
    public static bool IsHostile(char c) =>
        char.IsControl(c) || c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') or '\u200E' or '\u200F' or '\u061C';

    /// <summary>The index of the first hostile character in <paramref name="text"/>, or -1.</summary>
    public static int FirstHostile(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (IsHostile(text[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary><paramref name="text"/> with every hostile character written as <c>\uXXXX</c>.</summary>
    public static string Escape(string text)
    {
        if (FirstHostile(text) < 0)
        {
            return text;
        }

        var b = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (IsHostile(c))
            {
                b.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                b.Append(c);
            }
        }

        return b.ToString();
    }
}
