// The bulk channel's challenge-response: each side proves it holds the cluster secret without sending it, and a
// proof cannot be replayed on another connection or for another target.
using System.Security.Cryptography;
using System.Text;

namespace Dtrain.Protocol.Transport;

/// <summary>
/// <code>
/// server -> client  Challenge  body: server nonce (32 random bytes)
/// client -> server  Hello      manifest: target;  body: client nonce (32) || HMAC-SHA256(secret, "dtrain-bulk client" || server nonce || client nonce || target)
/// server -> client  Welcome    body: HMAC-SHA256(secret, "dtrain-bulk server" || server nonce || client nonce || target)
///                   or Refused (manifest: the reason), then the server closes
/// </code>
/// The server's nonce makes every client proof fresh (no replay); the client's nonce does the same for the
/// server's proof, so a worker also knows it talks to a shard of its own cluster before trusting the parameters
/// it sends. The role label keeps one side's proof from serving as the other's.
/// </summary>
internal static class BulkHandshake
{
    /// <summary>Bytes of each nonce.</summary>
    public const int NonceBytes = 32;

    /// <summary>Bytes of each proof (HMAC-SHA256).</summary>
    public const int ProofBytes = 32;

    private static readonly byte[] ClientRole = Encoding.ASCII.GetBytes("dtrain-bulk client");
    private static readonly byte[] ServerRole = Encoding.ASCII.GetBytes("dtrain-bulk server");

    public static byte[] NewNonce() => RandomNumberGenerator.GetBytes(NonceBytes);

    /// <summary>What the client sends in its Hello after its nonce.</summary>
    public static byte[] ClientProof(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> challenge, ReadOnlySpan<byte> clientNonce, string target) =>
        Proof(secret, ClientRole, challenge, clientNonce, target);

    /// <summary>What the server sends in its Welcome.</summary>
    public static byte[] ServerProof(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> challenge, ReadOnlySpan<byte> clientNonce, string target) =>
        Proof(secret, ServerRole, challenge, clientNonce, target);

    /// <summary>Compares in constant time, so the time taken says nothing about how much of a forged proof was right.</summary>
    public static bool Matches(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> presented) =>
        presented.Length == expected.Length && CryptographicOperations.FixedTimeEquals(expected, presented);

    private static byte[] Proof(ReadOnlySpan<byte> secret, byte[] role, ReadOnlySpan<byte> challenge, ReadOnlySpan<byte> clientNonce, string target)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret);
        hmac.AppendData(role);
        hmac.AppendData(challenge);
        hmac.AppendData(clientNonce);
        hmac.AppendData(Encoding.UTF8.GetBytes(target));
        return hmac.GetHashAndReset();
    }
}
