using Akka.Actor;

namespace Emulator.Management.Palettes;

/// <summary>
/// <c>actor hierarchy | find | stop | kill | send</c>: the live actor tree of this process, read from the actor cells
/// (each actor's type and mailbox size), and the few messages that make sense from outside: a stop, a <c>Kill</c>
/// (its supervisor decides what happens next — for the emulator's controllers, a restart), a <c>PoisonPill</c>, an
/// <c>Identify</c>.
/// </summary>
public sealed class ActorPalette(ActorSystem system) : Palette
{
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(5);

    /// <inheritdoc />
    public override string Name => "actor";

    /// <inheritdoc />
    public override string Description => "the actors of this process";

    /// <inheritdoc />
    public override IReadOnlyList<ConsoleCommandInfo> Commands { get; } =
    [
        new("hierarchy", "hierarchy [PATH] [--depth N]", "the actor tree under PATH (default /user): each actor's type and mailbox size"),
        new("find", "find PATTERN", "the paths of the actors under /user that match PATTERN (* within a name, ** across names)"),
        new("stop", "stop PATH", "stop an actor (its parent sees it terminate)"),
        new("kill", "kill PATH", "send Kill: the actor fails and its supervisor decides (restart, stop, escalate)"),
        new("send", "send PATH MESSAGE", "send PoisonPill, Kill or Identify"),
    ];

    /// <inheritdoc />
    public override async Task<int> RunAsync(string command, CommandArguments arguments, ConsoleOutput output, CancellationToken cancellationToken)
    {
        switch (command)
        {
            case "hierarchy":
                var path = arguments.NextOrDefault() ?? "/user";
                var depth = (int)(arguments.Number("--depth", 0, 100) ?? 100);
                arguments.Done();
                var start = Find(path) ?? throw new ConsoleCommandException($"no actor at {path}");
                var rows = new List<IReadOnlyList<string>>();
                Walk(start, 0, depth, rows);
                await output.Table(["PATH", "TYPE", "MAILBOX"], rows).ConfigureAwait(false);
                return 0;
            case "find":
                var pattern = arguments.Next("PATTERN");
                arguments.Done();
                if (!pattern.StartsWith('/'))
                {
                    throw new ConsoleUsageException($"PATTERN must start with / (e.g. /user/nodes/*/kubelet), got \"{pattern}\"");
                }
                await output.Table(["PATH", "TYPE"], ActorTree.Find(system, pattern).Select(a => (IReadOnlyList<string>)
                    [a.Path.ToStringWithoutAddress(), a is ActorRefWithCell { Underlying: { } found } ? found.Props.Type?.Name ?? "?" : "?"])).ConfigureAwait(false);
                return 0;
            case "stop":
                var stopped = Resolve(arguments.Next("PATH"));
                arguments.Done();
                system.Stop(stopped);
                await output.Line($"stopped {stopped.Path.ToStringWithoutAddress()}").ConfigureAwait(false);
                return 0;
            case "kill":
                var killed = Resolve(arguments.Next("PATH"));
                arguments.Done();
                killed.Tell(Kill.Instance, ActorRefs.NoSender);
                await output.Line($"sent Kill to {killed.Path.ToStringWithoutAddress()}").ConfigureAwait(false);
                return 0;
            default:
                var target = Resolve(arguments.Next("PATH"));
                var message = arguments.Next("MESSAGE");
                arguments.Done();
                switch (message.ToLowerInvariant())
                {
                    case "poisonpill":
                        target.Tell(PoisonPill.Instance, ActorRefs.NoSender);
                        break;
                    case "kill":
                        target.Tell(Kill.Instance, ActorRefs.NoSender);
                        break;
                    case "identify":
                        var identity = await target.Ask<ActorIdentity>(new Identify(1), ResolveTimeout, cancellationToken).ConfigureAwait(false);
                        await output.Line(identity.Subject is { } subject ? $"identified {subject.Path.ToStringWithoutAddress()}" : "no answer: the actor is gone").ConfigureAwait(false);
                        return identity.Subject is null ? ConsoleProtocol.Failed : 0;
                    default:
                        throw new ConsoleUsageException($"MESSAGE must be PoisonPill, Kill or Identify, got \"{message}\"");
                }
                await output.Line($"sent {message} to {target.Path.ToStringWithoutAddress()}").ConfigureAwait(false);
                return 0;
        }
    }

    /// <inheritdoc />
    public override IEnumerable<string> Complete(string command, string partial)
    {
        if (command == "send" && !partial.StartsWith('/'))
        {
            return new[] { "PoisonPill", "Kill", "Identify" }.Where(m => m.StartsWith(partial, StringComparison.OrdinalIgnoreCase));
        }
        var slash = partial.LastIndexOf('/');
        var parentPath = slash <= 0 ? "/" : partial[..slash];
        if (Find(parentPath) is not ActorRefWithCell parent)
        {
            return [];
        }
        var prefix = parentPath == "/" ? "/" : parentPath + "/";
        return parent.Children.Select(c => prefix + c.Path.Name).Where(p => p.StartsWith(partial, StringComparison.Ordinal)).Order(StringComparer.Ordinal).Take(200);
    }

    private IActorRef Resolve(string path)
    {
        if (Find(path) is not { } found)
        {
            throw new ConsoleCommandException($"no actor at {path}");
        }
        if (found.Path.Elements.Count < 2 || found.Path.Elements[0] != "user")
        {
            // The guardians and Akka's own system actors keep the process alive: the console does not touch them.
            throw new ConsoleCommandException($"{path} is not under /user: only the emulator's actors can be stopped or sent messages");
        }
        return found;
    }

    // Walks the cells from the root guardian: what the system holds now, names as Akka gives them.
    private IActorRef? Find(string path)
    {
        if (!path.StartsWith('/'))
        {
            return null;
        }
        IActorRef current = ((ExtendedActorSystem)system).Provider.RootGuardian;
        foreach (var name in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (current is not ActorRefWithCell cell || cell.GetSingleChild(name) is not { } child || child.IsNobody())
            {
                return null;
            }
            current = child;
        }
        return current;
    }

    private static void Walk(IActorRef actor, int level, int depth, List<IReadOnlyList<string>> rows)
    {
        var name = level == 0 ? (actor.Path.Elements.Count == 0 ? "/" : actor.Path.ToStringWithoutAddress()) : new string(' ', level * 2) + actor.Path.Name;
        var (type, mailbox) = actor is ActorRefWithCell { Underlying: { } cell } ? (cell.Props.Type?.Name ?? "?", cell.NumberOfMessages.ToString(System.Globalization.CultureInfo.InvariantCulture)) : ("?", "");
        rows.Add([name, type, mailbox]);
        if (level >= depth || actor is not ActorRefWithCell withCell)
        {
            return;
        }
        foreach (var child in withCell.Children.OrderBy(c => c.Path.Name, StringComparer.Ordinal))
        {
            Walk(child, level + 1, depth, rows);
        }
    }
}
