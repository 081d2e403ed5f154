// Keeps one shard or worker registered with the coordinator singleton, across singleton hand-overs.
using Akka.Actor;
using static Dtrain.Protocol.ClusterProtocol;

namespace Dtrain.Cli.Cluster;

/// <summary>
/// Sends a registration to the singleton proxy every half second until it is acknowledged, then every few
/// seconds: a new singleton after a hand-over starts with an empty registry and learns the actor from the
/// next one (registration is idempotent). A new acknowledging coordinator is logged once.
/// </summary>
public sealed class Registrar : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan Eager = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Steady = TimeSpan.FromSeconds(3);
    private readonly IActorRef _proxy;
    private readonly ICommand _registration;
    private IActorRef? _coordinator;

    public Registrar(IActorRef proxy, ICommand registration)
    {
        _proxy = proxy;
        _registration = registration;
        Receive<Tick>(_ => _proxy.Tell(_registration));
        Receive<Registered>(r =>
        {
            if (!r.Coordinator.Equals(_coordinator))
            {
                if (_coordinator is not null)
                {
                    Context.Unwatch(_coordinator);
                }

                _coordinator = r.Coordinator;
                Context.Watch(r.Coordinator);
                Timers.StartPeriodicTimer("register", Tick.Instance, Steady);
            }
        });
        Receive<Terminated>(_ =>
        {
            // The singleton moved (or its node died): register eagerly with whoever takes over.
            _coordinator = null;
            Timers.StartPeriodicTimer("register", Tick.Instance, TimeSpan.Zero, Eager);
        });
    }

    /// <inheritdoc/>
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for a registrar that sends <paramref name="registration"/> to <paramref name="proxy"/>.</summary>
    public static Props Props(IActorRef proxy, ICommand registration) =>
        Akka.Actor.Props.Create(() => new Registrar(proxy, registration));

    /// <inheritdoc/>
    protected override void PreStart() => Timers.StartPeriodicTimer("register", Tick.Instance, TimeSpan.Zero, Eager);

    private sealed class Tick
    {
        public static readonly Tick Instance = new();

        private Tick()
        {
        }
    }
}
