// A client of a running cluster (submit, status): a remoting-only ActorSystem that talks to the singleton
// proxy of the node it was pointed at, and a mailbox actor that hands the replies to the command.
using System.Threading.Channels;
using Akka.Actor;
using Dtrain.Coordinator;
using Dtrain.Models;

namespace Dtrain.Cli.Cluster;

/// <summary>Connection of a command-line client to the cluster behind <c>--cluster HOST:PORT</c>.</summary>
public sealed class ClusterClient : IAsyncDisposable
{
    private readonly ActorSystem _system;
    private static readonly TimeSpan ResendEvery = TimeSpan.FromSeconds(5);
    private readonly Channel<object> _inbox = Channel.CreateUnbounded<object>();

    private ClusterClient(NodeOptions options, string clusterAddress)
    {
        Endpoint = clusterAddress;
        _system = ListenCheck.Start(options, options.ClientConfig(), "the client");
        Coordinator = _system.ActorSelection($"{options.AddressOf(clusterAddress)}/user/{ClusterCoordinator.ProxyName}");
        Action<IActorRef> seen = sender => LastSender = sender;
        Listener = _system.ActorOf(Props.Create(() => new Mailbox(_inbox.Writer, seen)), "client");
    }

    /// <summary>The host:port the client talks to.</summary>
    public string Endpoint { get; }

    /// <summary>The singleton proxy on that node.</summary>
    public ActorSelection Coordinator { get; }

    /// <summary>The local actor replies go to.</summary>
    public IActorRef Listener { get; }

    /// <summary>Connects (lazily: the first message opens the association).</summary>
    public static ClusterClient Open(NodeOptions options, string clusterAddress) => new(options, NodeOptions.CheckHostPort("--cluster", clusterAddress));

    /// <summary>
    /// Resolves the singleton proxy, retrying for <paramref name="timeout"/>: a node that is still starting
    /// refuses the connection and Akka gates its address for a few seconds, dropping what was sent meanwhile.
    /// </summary>
    public async Task<IActorRef> Connect(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        for (var attempt = 0; DateTime.UtcNow < deadline; attempt++)
        {
            try
            {
                var identity = await Coordinator.Ask<ActorIdentity>(new Identify(attempt), TimeSpan.FromSeconds(1));
                if (identity.Subject is { } proxy)
                {
                    return proxy;
                }
            }
            catch (AskTimeoutException)
            {
                // not reachable yet: try again
            }

            await Task.Delay(500);
        }

        throw new DtrainException($"no answer from the cluster at {Endpoint} within {timeout.TotalSeconds:F0} s (is a node running there, with the same --cluster-name and TLS settings?)");
    }

    /// <summary>
    /// Sends <paramref name="request"/> every few seconds until the first reply (the proxy may still point at a
    /// singleton that just died, which drops it); the request must be harmless to repeat.
    /// </summary>
    public async Task<object> Request(IActorRef proxy, object request, TimeSpan timeout, string waitingFor)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            proxy.Tell(request, Listener);
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw NoAnswer(timeout, waitingFor);
            }

            using var cts = new CancellationTokenSource(left < ResendEvery ? left : ResendEvery);
            try
            {
                return await _inbox.Reader.ReadAsync(cts.Token);
            }
            catch (OperationCanceledException) when (DateTime.UtcNow < deadline)
            {
                // no reply yet: send again
            }
            catch (OperationCanceledException)
            {
                throw NoAnswer(timeout, waitingFor);
            }
        }
    }

    /// <summary>The actor that sent the latest reply (a new coordinator after a takeover).</summary>
    public IActorRef LastSender { get; private set; } = ActorRefs.Nobody;

    /// <summary>Watches <paramref name="actor"/>: its end arrives as <see cref="Terminated"/>.</summary>
    public void Watch(IActorRef actor) => Listener.Tell(new WatchRequest(actor));

    /// <summary>The next reply, or a clear error naming the cluster when none comes in <paramref name="timeout"/>.</summary>
    public async Task<object> Next(TimeSpan timeout, string waitingFor)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _inbox.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw NoAnswer(timeout, waitingFor);
        }
    }

    private DtrainException NoAnswer(TimeSpan timeout, string waitingFor) =>
        new($"no answer from the cluster at {Endpoint} within {timeout.TotalSeconds:F0} s while waiting for {waitingFor} (is a node running there, with the same --cluster-name and TLS settings?)");

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await _system.Terminate();

    private sealed record WatchRequest(IActorRef Actor);

    private sealed class Mailbox : ReceiveActor
    {
        public Mailbox(ChannelWriter<object> inbox, Action<IActorRef> seen)
        {
            Receive<WatchRequest>(w => Context.Watch(w.Actor));
            ReceiveAny(m =>
            {
                if (m is not Terminated)
                {
                    seen(Sender);
                }

                inbox.TryWrite(m);
            });
        }
    }
}
