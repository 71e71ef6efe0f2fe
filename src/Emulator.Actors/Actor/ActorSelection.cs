using System.Text.RegularExpressions;

namespace Emulator.Actors;

/// <summary>
/// A path that may match several actors: elements are names, <c>..</c> (parent), or patterns with <c>*</c> and
/// <c>?</c>. A message told to a selection goes to every actor matching at that moment. When nothing matches, the
/// message goes to dead letters (an <see cref="Identify"/> is answered with an empty <see cref="ActorIdentity"/>),
/// unless a wildcard fanned out to several actors on the way: then nothing happens.
/// </summary>
public sealed class ActorSelection
{
    private readonly ActorSystem _system;
    private readonly InternalActorRef _anchor;
    private readonly string[] _elements;

    private ActorSelection(ActorSystem system, InternalActorRef anchor, string[] elements, string pathString)
    {
        _system = system;
        _anchor = anchor;
        _elements = elements;
        PathString = pathString;
    }

    /// <summary>The selection as given.</summary>
    public string PathString { get; }

    /// <summary>True when some element is a pattern.</summary>
    public bool HasWildcards => _elements.Any(IsPattern);

    internal static ActorSelection Create(ActorSystem system, InternalActorRef anchor, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var text = path;
        if (ActorPath.TryParse(path, validateElements: false, out var absolute) && absolute is not null)
        {
            if (absolute.Address.System != system.Name)
            {
                // Another system: nothing local matches (remote selections arrive with the cluster layer).
                return new ActorSelection(system, (InternalActorRef)system.DeadLetters, ["$unreachable"], path);
            }
            anchor = system.RootGuardianRef;
            text = absolute.ToStringWithoutAddress();
        }
        else if (path.StartsWith('/'))
        {
            anchor = system.RootGuardianRef;
        }
        var elements = text.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(e => e != ".").ToArray();
        return new ActorSelection(system, anchor, elements, path);
    }

    /// <summary>The actors matching now.</summary>
    public IReadOnlyList<IActorRef> ResolveMatches() => ResolveMatches(out _);

    /// <summary>The actors matching now; <paramref name="fannedOut"/> tells whether a pattern matched more than one actor on the way.</summary>
    private IReadOnlyList<IActorRef> ResolveMatches(out bool fannedOut)
    {
        fannedOut = false;
        IEnumerable<InternalActorRef> current = [_anchor];
        foreach (var element in _elements)
        {
            if (element == "..")
            {
                current = current.Select(c => c.Parent).Distinct();
            }
            else if (IsPattern(element))
            {
                var regex = PatternToRegex(element);
                var matched = current.SelectMany(c => c.GetChildrenSnapshot()).Where(c => regex.IsMatch(c.Path.Name)).ToArray();
                fannedOut |= matched.Length > 1;
                current = matched;
            }
            else
            {
                current = current.Select(c => LookupChild(c, element)).OfType<InternalActorRef>().ToArray();
            }
        }
        return current.Where(c => !c.IsTerminated).Cast<IActorRef>().ToArray();
    }

    private InternalActorRef? LookupChild(InternalActorRef parent, string name)
    {
        if (ReferenceEquals(parent, _system.RootGuardianRef))
        {
            switch (name)
            {
                case "deadLetters":
                    return (InternalActorRef)_system.DeadLetters;
                case "temp":
                    return null;
            }
        }
        if (parent.Path.Depth == 0 && name == "temp")
        {
            return null;
        }
        if (parent.Path.Equals(_system.TempPath))
        {
            return _system.GetTemp(name);
        }
        return parent.GetSingleChild(name);
    }

    /// <summary>Sends a message to every matching actor.</summary>
    public void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        sender ??= ActorCell.CurrentSelfOrNull;
        var fannedOut = false;
        var matches = ResolveTemp() ?? ResolveMatches(out fannedOut);
        if (matches.Count == 0)
        {
            if (fannedOut)
            {
                // Akka answers nothing once a wildcard has fanned out to several actors.
                return;
            }
            if (message is Identify identify)
            {
                sender?.Tell(new ActorIdentity(identify.MessageId, null), null);
                return;
            }
            _system.DeadLetters.Tell(new DeadLetter(message, sender, _system.DeadLetters), sender);
            return;
        }
        foreach (var target in matches)
        {
            target.Tell(message, sender);
        }
    }

    private IReadOnlyList<IActorRef>? ResolveTemp()
    {
        if (_elements.Length == 2 && ReferenceEquals(_anchor, _system.RootGuardianRef) && _elements[0] == "temp" && !IsPattern(_elements[1]))
        {
            return _system.GetTemp(_elements[1]) is { } temp ? [temp] : [];
        }
        return null;
    }

    /// <summary>Finds one matching actor by sending <see cref="Identify"/>; fails with <see cref="ActorNotFoundException"/>.</summary>
    public async Task<IActorRef> ResolveOne(TimeSpan timeout)
    {
        var matches = ResolveTemp() ?? ResolveMatches();
        if (matches.Count == 0)
        {
            throw new ActorNotFoundException($"Actor not found for: {this}");
        }
        var identity = await matches[0].Ask<ActorIdentity>(new Identify(null), timeout).ConfigureAwait(false);
        return identity.Subject ?? throw new ActorNotFoundException($"Actor not found for: {this}");
    }

    private static bool IsPattern(string element) => element.Contains('*') || element.Contains('?');

    private static Regex PatternToRegex(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".") + "$", RegexOptions.CultureInvariant);

    /// <inheritdoc />
    public override string ToString() => $"ActorSelection[Anchor({_anchor.Path}), Path({PathString})]";
}
