using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.ServiceAccount;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.Node.Kubelet;

public sealed partial class PodWorker : IWithUnboundedStash
{
    /// <summary>First wait before the volume manager tries a failed mount again; it doubles up to <see cref="MaxMountBackoff"/>.</summary>
    public static readonly TimeSpan InitialMountBackoff = TimeSpan.FromMilliseconds(500);

    /// <summary>The volume manager's longest wait between mount attempts (<c>2m2s</c>, as its exponential back-off caps it).</summary>
    public static readonly TimeSpan MaxMountBackoff = TimeSpan.FromSeconds(122);

    /// <summary>How often the kubelet re-reads a pod's ConfigMaps and Secrets while a running container has one mounted (its sync period).</summary>
    public static readonly TimeSpan SourceRefreshPeriod = TimeSpan.FromMinutes(1);

    /// <summary>Wait before a container whose configuration failed (<c>CreateContainerConfigError</c>) is tried again.</summary>
    public static readonly TimeSpan ConfigRetryPeriod = TimeSpan.FromSeconds(10);

    /// <summary>First wait for the store's answers before the unanswered reads are asked again; it doubles up to <see cref="MaxMountBackoff"/>.</summary>
    private static readonly TimeSpan SourceReadTimeout = TimeSpan.FromSeconds(10);

    private readonly PodConfigSources _sources = new();
    private readonly ServiceAccountTokenIssuer? _tokens = ServiceAccountTokens.Get(Context.System).Issuer;
    private readonly ConcurrentDictionary<(string Audience, TimeSpan Lifetime, DateTimeOffset IssuedAt), string> _issuedTokens = new();
    private readonly HashSet<ConfigSource> _sourcesPending = [];
    private DateTimeOffset? _tokensRequestedAt;
    private int _sourceRound;
    private TimeSpan _sourceReadTimeout = SourceReadTimeout;
    private bool _volumesReady;
    private TimeSpan _mountBackoff = InitialMountBackoff;

    /// <inheritdoc />
    public IStash Stash { get; set; } = null!;

    /// <summary>Correlation of one read of a ConfigMap or Secret in one round of reads.</summary>
    private sealed record SourceRead(ConfigSource Source, int Round);

    private sealed record SourcesTimeout(int Round);

    private sealed record RetryMount;

    private sealed record RefreshSources;

    private sealed record RetryConfig(string Container);

    /// <summary>
    /// Reads every ConfigMap and Secret the pod refers to, in a new round; while a round is under way its answers
    /// serve this request too (they are read after it), so nothing is asked twice.
    /// </summary>
    private void ReadSources()
    {
        if (_sourcesPending.Count > 0)
        {
            return;
        }
        var references = PodConfigSources.References(_pod, _tokens is not null);
        if (references.Count == 0)
        {
            return;
        }
        _sourceRound++;
        _sourcesPending.UnionWith(references);
        _sourceReadTimeout = SourceReadTimeout;
        AskPendingSources();
    }

    private void AskPendingSources()
    {
        foreach (var source in _sourcesPending)
        {
            var type = ResourceTypes.Of("", source.Resource);
            _store.Tell(new GetObject(type, Namespace, source.Name) { Correlation = new SourceRead(source, _sourceRound) }, Self);
        }
        Timers.StartSingleTimer("sources-timeout", new SourcesTimeout(_sourceRound), _sourceReadTimeout);
    }

    /// <summary>
    /// A store that has not answered (it is failing over, or the machine is slow) is asked again for what is missing,
    /// in the same round: a late answer still counts, so a store slower than the timeout cannot hold the pod forever.
    /// </summary>
    private void OnSourcesTimeout(SourcesTimeout timeout)
    {
        if (timeout.Round != _sourceRound || _sourcesPending.Count == 0)
        {
            return;
        }
        _sourceReadTimeout = TimeSpan.FromTicks(Math.Min(MaxMountBackoff.Ticks, _sourceReadTimeout.Ticks * 2));
        AskPendingSources();
    }

    /// <summary>Until the first round of reads is in, everything else waits.</summary>
    private void ReadingSources(object message)
    {
        switch (message)
        {
            case StoreReply { Correlation: SourceRead read } reply:
                if (Record(read, reply))
                {
                    Become(OnReceive);
                    Stash.UnstashAll();
                    UpdateFiles();
                    Begin();
                    ScheduleRefresh();
                }
                break;
            case SourcesTimeout timeout:
                OnSourcesTimeout(timeout);
                break;
            default:
                Stash.Stash();
                break;
        }
    }

    /// <summary>An answer of a later round: the files follow, a mount or container waiting on the sources is tried again.</summary>
    private void OnSourceRead(SourceRead read, StoreReply reply)
    {
        if (!Record(read, reply) || _terminating)
        {
            return;
        }
        UpdateFiles();
        foreach (var c in All.Where(c => c.ConfigRetryDue))
        {
            c.ConfigRetryDue = false;
            RequestPull(c);
        }
        Step();
        ScheduleRefresh();
    }

    /// <summary>Records one answer (the first for its source in the current round); true when it completed its round.</summary>
    private bool Record(SourceRead read, StoreReply reply)
    {
        if (read.Round != _sourceRound || !_sourcesPending.Remove(read.Source))
        {
            return false;
        }
        if (reply.IsSuccess && reply.Object is { } stored)
        {
            _sources.Set(read.Source, stored.Parsed);
        }
        else if (reply.Error?.Code == 404)
        {
            _sources.Set(read.Source, null);
        }
        // Any other failure keeps what was read before; the round still ends, and the next one asks again.
        if (_sourcesPending.Count > 0)
        {
            return false;
        }
        Timers.Cancel("sources-timeout");
        return true;
    }

    /// <summary>
    /// True once the pod's volumes are set up. Until then a failed mount is reported as the volume manager does
    /// (<c>FailedMount</c>) and tried again with a fresh read of the sources, 0.5 s doubling to 2m2s.
    /// </summary>
    private bool VolumesReady()
    {
        if (_volumesReady)
        {
            return true;
        }
        if (_sources.MountError(_pod) is { } error)
        {
            if (!Timers.IsTimerActive("mount"))
            {
                PodEvent("Warning", "FailedMount", error);
                Timers.StartSingleTimer("mount", new RetryMount(), _mountBackoff);
                _mountBackoff = TimeSpan.FromTicks(Math.Min(MaxMountBackoff.Ticks, _mountBackoff.Ticks * 2));
            }
            return false;
        }
        _volumesReady = true;
        return true;
    }

    /// <summary>
    /// Resolves <paramref name="c"/>'s environment before it is created; a missing ConfigMap, Secret or key leaves it
    /// waiting in <c>CreateContainerConfigError</c> (event <c>Failed</c>, <c>Error: configmap "x" not found</c>) and
    /// tries again later.
    /// </summary>
    private bool CreateConfig(Container c)
    {
        var (env, error) = _environmentOf(c.Spec, _pod);
        if (error is null)
        {
            c.SetEnvironment(env);
            return true;
        }
        c.Waiting = ("CreateContainerConfigError", error);
        Event(c, "Warning", "Failed", "Error: " + error);
        Timers.StartSingleTimer(("config", c.Name), new RetryConfig(c.Name), ConfigRetryPeriod);
        ScheduleWrite();
        return false;
    }

    /// <summary>Gives every container the files of its mounts as the sources now are.</summary>
    private void UpdateFiles()
    {
        foreach (var c in All)
        {
            UpdateFiles(c);
        }
    }

    private void UpdateFiles(Container c)
    {
        var (files, generated, directories) = PodVolumes.Mounts(_pod, c.Spec, _sources, _node, TokenFile);
        c.Network.Files.Replace(files, generated, directories);
    }

    /// <summary>
    /// The token file of a projected <c>serviceAccountToken</c> source, as the kubelet's token manager keeps it: a
    /// token bound to the pod (and naming its node) for the source's audience (the API server's by default) and
    /// <c>expirationSeconds</c>, requested when the volume is set up and again once 80% of its lifetime has passed.
    /// It is signed when first read; its times are those of the request it stands for. None when this process has no
    /// signing key, or the service account is unknown.
    /// </summary>
    private Func<string>? TokenFile(JsonObject source)
    {
        var serviceAccount = PodConfigSources.ServiceAccountOf(_pod);
        if (_tokens is not { } issuer || _sources.Uid(serviceAccount) is not { } serviceAccountUid)
        {
            return null;
        }
        var audience = JsonTree.GetString(source, "audience") is { Length: > 0 } named ? named : issuer.Issuer;
        var lifetime = TimeSpan.FromSeconds(Math.Max(600, JsonTree.GetInt(source, "expirationSeconds") ?? 3600));
        var clock = Clock;
        var requested = _tokensRequestedAt ??= DateTimeOffset.FromUnixTimeSeconds(clock.UtcNow.ToUnixTimeSeconds());
        var (ns, pod, podUid, node) = (Namespace, PodName, _record.PodUid, _node.Name);
        var issued = _issuedTokens;
        return () =>
        {
            var rotation = lifetime * 0.8;
            var periods = Math.Max(0, (long)((clock.UtcNow - requested) / rotation));
            var issuedAt = DateTimeOffset.FromUnixTimeSeconds((requested + (rotation * periods)).ToUnixTimeSeconds());
            return issued.GetOrAdd((audience, lifetime, issuedAt), _ =>
            {
                // A jti that is the same for the same request, so a replayed run reads the same token.
                var id = new Guid(SHA256.HashData(Encoding.UTF8.GetBytes($"{podUid}/{audience}/{issuedAt.ToUnixTimeSeconds()}"))[..16]);
                var claims = new ServiceAccountClaims(ns, new TokenBinding(serviceAccount.Name, serviceAccountUid), [audience], issuedAt, issuedAt + lifetime,
                    id.ToString(), Pod: new TokenBinding(pod, podUid), Node: new TokenBinding(node, ""));
                return issuer.Issue(claims);
            });
        };
    }

    /// <summary>A pod that mounts a ConfigMap or Secret re-reads it each sync period, so its files follow the object.</summary>
    private void ScheduleRefresh()
    {
        if (!_terminating && All.Any(c => c.Current is { IsRunning: true }) && PodVolumes.FollowsSources(_pod) && !Timers.IsTimerActive("refresh"))
        {
            Timers.StartSingleTimer("refresh", new RefreshSources(), SourceRefreshPeriod);
        }
    }
}
