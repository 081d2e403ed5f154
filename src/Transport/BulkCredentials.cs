// What a bulk channel peer must hold to be let in: the cluster's shared secret, and with TLS the cluster's certificate.
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Dtrain.Protocol.Transport;

/// <summary>
/// The cluster secret every bulk connection proves in its handshake (<see cref="BulkHandshake"/>), and optionally
/// the certificate for TLS, pinned by its SHA-256 thumbprint: a peer presenting any other certificate is turned
/// away, however well it chains. Both ends of a connection must hold the same credentials.
/// </summary>
public sealed class BulkCredentials
{
    /// <summary>Shortest secret accepted: 128 bits, so guessing it is out of reach.</summary>
    public const int MinSecretBytes = 16;

    private readonly byte[] _secret;

    /// <summary>Credentials over <paramref name="secret"/> (at least <see cref="MinSecretBytes"/> bytes), with TLS when <paramref name="certificate"/> is given.</summary>
    public BulkCredentials(ReadOnlySpan<byte> secret, X509Certificate2? certificate = null)
    {
        if (secret.Length < MinSecretBytes)
        {
            throw new ArgumentException($"the cluster secret has {secret.Length} bytes; at least {MinSecretBytes} are needed", nameof(secret));
        }

        _secret = secret.ToArray();
        Certificate = certificate;
        Thumbprint = certificate is null ? null : CertificatePin.Of(certificate);
    }

    /// <summary>The TLS certificate both ends present, or null for plain TCP (still authenticated by the secret).</summary>
    public X509Certificate2? Certificate { get; }

    /// <summary>SHA-256 thumbprint (hex) of <see cref="Certificate"/>: the only certificate a peer may present.</summary>
    public string? Thumbprint { get; }

    internal ReadOnlySpan<byte> Secret => _secret;

    /// <summary>True only for the cluster's own certificate (see <see cref="CertificatePin"/>).</summary>
    public bool IsClusterCertificate(X509Certificate? peer) => Thumbprint is { } pin && CertificatePin.Matches(pin, peer);

    /// <summary>Fresh random credentials: for a single process, or a test, where no one else needs the secret.</summary>
    public static BulkCredentials Generate(X509Certificate2? certificate = null) =>
        new(RandomNumberGenerator.GetBytes(32), certificate);
}
