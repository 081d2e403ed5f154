// The one rule both transports (bulk channel and Akka.Remote) use to trust a TLS peer: it presents the cluster's
// own certificate, compared by SHA-256 thumbprint.
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Dtrain.Protocol.Transport;

/// <summary>
/// Pins the cluster certificate. Chain errors (the cluster certificate is usually self-signed) and host names do
/// not matter; chaining to a CA the system trusts is not enough either: only the pinned certificate is accepted.
/// </summary>
public static class CertificatePin
{
    /// <summary>The SHA-256 thumbprint (hex) of <paramref name="certificate"/>.</summary>
    public static string Of(X509Certificate certificate) => certificate.GetCertHashString(HashAlgorithmName.SHA256);

    /// <summary>True when <paramref name="peer"/> is the certificate whose thumbprint is <paramref name="pin"/>.</summary>
    public static bool Matches(string pin, X509Certificate? peer) =>
        peer is not null && string.Equals(Of(peer), pin, StringComparison.OrdinalIgnoreCase);
}
