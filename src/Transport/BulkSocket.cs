// Socket and TLS setup shared by both ends of the bulk channel, and "host:port" parsing.
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Dtrain.Protocol.Transport;

internal static class BulkSocket
{
    /// <summary>How long a handshake (TCP connect, TLS, Hello/Welcome) may take before the attempt is abandoned.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Bulk transfers want the kernel's autotuned windows and no Nagle delay on the small frames between them.</summary>
    public static void Configure(Socket socket)
    {
        socket.NoDelay = true;
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
    }

    /// <summary>Parses "host:port" or "[v6]:port"; a bad endpoint is an <see cref="ArgumentException"/> naming it.</summary>
    public static (string Host, int Port) ParseEndpoint(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint.AsSpan(colon + 1), out var port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"bulk endpoint '{endpoint}' is not host:port", nameof(endpoint));
        }

        return (endpoint[..colon].Trim('[', ']'), port);
    }

    public static IPAddress Resolve(string host)
    {
        if (IPAddress.TryParse(host, out var address))
        {
            return address;
        }

        var addresses = Dns.GetHostAddresses(host);
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault()
            ?? throw new ArgumentException($"bulk host '{host}' resolves to no address", nameof(host));
    }

    public static string Format(IPEndPoint endpoint) =>
        endpoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]:{endpoint.Port}" : $"{endpoint.Address}:{endpoint.Port}";

    /// <summary>
    /// The server side of TLS when the credentials carry a certificate: both ends present it, and a peer is trusted
    /// only when it presents the very same certificate (pinned by SHA-256 thumbprint). Chaining to a CA the system
    /// trusts is not enough: any other certificate is refused.
    /// </summary>
    public static async ValueTask<Stream> AuthenticateAsServerAsync(NetworkStream network, BulkCredentials credentials, CancellationToken cancel)
    {
        if (credentials.Certificate is not { } certificate)
        {
            return network;
        }

        var tls = new SslStream(network, leaveInnerStreamOpen: false, (_, peer, _, _) => Pinned(credentials, peer));
        await tls.AuthenticateAsServerAsync(
            new SslServerAuthenticationOptions
            {
                ServerCertificate = certificate,
                ClientCertificateRequired = true,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            },
            cancel);
        return tls;
    }

    /// <summary>The client side of <see cref="AuthenticateAsServerAsync"/>: the server, too, must present the pinned certificate.</summary>
    public static Stream AuthenticateAsClient(NetworkStream network, string host, BulkCredentials credentials)
    {
        if (credentials.Certificate is not { } certificate)
        {
            return network;
        }

        var tls = new SslStream(network, leaveInnerStreamOpen: false, (_, peer, _, _) => Pinned(credentials, peer));
        using var timeout = new CancellationTokenSource(HandshakeTimeout);
        tls.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions
            {
                TargetHost = host,
                ClientCertificates = [certificate],
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            },
            timeout.Token).GetAwaiter().GetResult();
        return tls;
    }

    private static bool Pinned(BulkCredentials credentials, X509Certificate? peer) => credentials.IsClusterCertificate(peer);
}
