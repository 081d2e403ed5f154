// Seeded mutations of a valid input: flipped bits, overwritten, deleted, repeated and inserted bytes, cut tails and
// inserted tokens (structure a parser reacts to), so each case is a near-miss of something dtrain accepts.
using System.Text;
using CsCheck;

namespace Dtrain.Fuzz.Tests;

/// <summary>Generators of mutated copies of a seed input.</summary>
internal static class ByteMutation
{
    /// <summary>One edit: what, where (taken modulo the length), which byte, how long a range.</summary>
    private static readonly Gen<(int Kind, int At, byte Value, int Length)> Edit =
        from kind in Gen.Int[0, 7]
        from at in Gen.Int[0, 1 << 24]
        from value in Gen.Byte
        from length in Gen.Int[1, 64]
        select (kind, at, value, length);

    /// <summary>One to six edits of <paramref name="seed"/>; <paramref name="tokens"/> are inserted whole by one kind of edit.</summary>
    public static Gen<byte[]> Of(byte[] seed, params string[] tokens) =>
        from edits in Edit.Array[1, 6]
        from token in tokens.Length == 0 ? Gen.Const("") : Gen.OneOf(tokens)
        select Apply(seed, edits, Encoding.UTF8.GetBytes(token));

    /// <summary>Text mutations of <paramref name="seed"/> (as UTF-8, decoded back leniently).</summary>
    public static Gen<string> OfText(string seed, params string[] tokens) =>
        Of(Encoding.UTF8.GetBytes(seed), tokens).Select(b => Encoding.UTF8.GetString(b));

    /// <summary>Picks one of several seeds, then mutates it.</summary>
    public static Gen<string> OfTexts(string[] seeds, params string[] tokens) =>
        Gen.OneOf(seeds.Select(s => OfText(s, tokens)).ToArray());

    private static byte[] Apply(byte[] seed, (int Kind, int At, byte Value, int Length)[] edits, byte[] token)
    {
        var bytes = new List<byte>(seed);
        foreach (var (kind, rawAt, value, length) in edits)
        {
            var at = bytes.Count == 0 ? 0 : rawAt % bytes.Count;
            var span = Math.Min(length, bytes.Count - at);
            switch (kind)
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << (value % 8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = value;
                    break;
                case 2:
                    bytes.RemoveRange(at, span);
                    break;
                case 3:
                    bytes.InsertRange(at, Enumerable.Repeat(value, length));
                    break;
                case 4:
                    bytes.InsertRange(at, bytes.GetRange(at, span));
                    break;
                case 5:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                default:
                    bytes.InsertRange(at, token);
                    break;
            }
        }

        return [.. bytes];
    }
}
