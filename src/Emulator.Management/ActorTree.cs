using System.Text.RegularExpressions;
using Akka.Actor;

namespace Emulator.Management;

/// <summary>
/// Finds live actors by path pattern, walking the actor cells from the root guardian: <c>*</c> matches within one path
/// element, <c>**</c> any number of elements (<c>/user/nodes/*/kubelet</c>, <c>/user/**/deployment-controller</c>).
/// </summary>
public static class ActorTree
{
    /// <summary>The actors under <c>/user</c> whose paths match <paramref name="pattern"/>, in path order.</summary>
    /// <exception cref="ArgumentException">The pattern does not start with <c>/</c>.</exception>
    public static IReadOnlyList<IActorRef> Find(ActorSystem system, string pattern)
    {
        if (!pattern.StartsWith('/'))
        {
            throw new ArgumentException($"an actor path pattern starts with /, got \"{pattern}\"", nameof(pattern));
        }
        var matcher = ToRegex(pattern);
        var found = new List<IActorRef>();
        Walk(((ExtendedActorSystem)system).Provider.Guardian, matcher, found);
        return found.OrderBy(a => a.Path.ToStringWithoutAddress(), StringComparer.Ordinal).ToArray();
    }

    /// <summary>True when <paramref name="path"/> (without address) matches <paramref name="pattern"/>.</summary>
    public static bool Matches(string pattern, string path) => ToRegex(pattern).IsMatch(path);

    private static void Walk(IActorRef actor, Regex matcher, List<IActorRef> found)
    {
        if (matcher.IsMatch(actor.Path.ToStringWithoutAddress()))
        {
            found.Add(actor);
        }
        if (actor is ActorRefWithCell cell)
        {
            foreach (var child in cell.Children)
            {
                Walk(child, matcher, found);
            }
        }
    }

    private static Regex ToRegex(string pattern)
    {
        var elements = pattern.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(e => e == "**"
            ? "(/[^/]+)*"
            : "/" + string.Concat(e.Select(c => c == '*' ? "[^/]*" : Regex.Escape(c.ToString()))));
        return new Regex("^" + string.Concat(elements) + "$", RegexOptions.CultureInvariant);
    }
}
