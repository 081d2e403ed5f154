// Checks, before Akka starts, that a node can listen where it is told to: a host that does not resolve or is not
// this machine's, or a port another process holds, is one line naming it, not an aborted process and 60 lines of
// AggregateException from inside the transport.
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using Dtrain.Models;

namespace Dtrain.Cli.Cluster;

/// <summary>Up-front checks of the addresses a process binds, and an ActorSystem start that fails in one line.</summary>
public static class ListenCheck
{
    /// <summary>
    /// Checks <paramref name="host"/> resolves and <paramref name="port"/> (when not 0) is free on it; <paramref name="what"/>
    /// names the listener in errors (<c>the node</c>, <c>the bulk channel</c>). Throws <see cref="DtrainException"/>.
    /// </summary>
    public static void Bindable(string host, int port, string what, string flag)
    {
        // With port 0 any free port will do; what can still fail is the address (not one of this machine's).
        var address = Resolve(host);
        var listener = new TcpListener(address, port);
        try
        {
            listener.Start();
        }
        catch (SocketException e)
        {
            var why = e.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => $"port {port} is already in use by another process",
                SocketError.AddressNotAvailable => $"{host} is not an address of this machine",
                SocketError.AccessDenied => $"binding port {port} is not permitted",
                _ => e.Message,
            };
            throw new DtrainException($"{what} cannot listen on {Printable.Of(host)}:{port} ({flag}): {why}");
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>
    /// Starts the ActorSystem of <paramref name="options"/> after <see cref="Bindable"/>; a transport that still fails
    /// to bind (a race with another process) is one line too.
    /// </summary>
    public static ActorSystem Start(NodeOptions options, Config config, string what)
    {
        Bindable(options.Host, options.Port, what, options.Port == 0 ? "--host" : "--host/--port");
        try
        {
            return options.CreateSystem(config);
        }
        catch (Exception e) when (e is not DtrainException)
        {
            throw new DtrainException($"{what} cannot start on {options.Host}:{options.Port}: {e.GetBaseException().Message.Split('\n')[0]}");
        }
    }

    private static IPAddress Resolve(string host)
    {
        if (IPAddress.TryParse(host, out var ip))
        {
            return ip;
        }

        try
        {
            var addresses = Dns.GetHostAddresses(host);
            return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
                ?? throw new DtrainException($"--host '{Printable.Of(host)}' resolves to no address");
        }
        catch (Exception e) when (e is SocketException or ArgumentException)
        {
            throw new DtrainException($"--host '{Printable.Of(host)}' cannot be resolved: {e.Message}");
        }
    }
}
