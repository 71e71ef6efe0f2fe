using System.Text;
using System.Text.RegularExpressions;

namespace Emulator.Actors;

/// <summary>
/// The logical path of an actor: its system's address followed by the names from the root,
/// e.g. <c>emu://system/user/a/b</c>. Two paths are equal when address and names are equal;
/// the uid of an incarnation is not part of equality (as in Akka).
/// </summary>
public abstract partial class ActorPath : IEquatable<ActorPath>, IComparable<ActorPath>
{
    /// <summary>Uid meaning "any incarnation".</summary>
    public const long UndefinedUid = 0;

    private protected ActorPath(string name, long uid)
    {
        Name = name;
        Uid = uid;
    }

    /// <summary>The last element of the path.</summary>
    public string Name { get; }

    /// <summary>The uid of the incarnation this path was taken from, or <see cref="UndefinedUid"/>.</summary>
    public long Uid { get; }

    /// <summary>The address of the system the actor lives in.</summary>
    public abstract Address Address { get; }

    /// <summary>The parent path; the root's parent is itself.</summary>
    public abstract ActorPath Parent { get; }

    /// <summary>The root path of the system.</summary>
    public abstract RootActorPath Root { get; }

    /// <summary>Number of elements below the root.</summary>
    public abstract int Depth { get; }

    /// <summary>The names from the root (exclusive) to this path (inclusive).</summary>
    public IReadOnlyList<string> Elements
    {
        get
        {
            var result = new string[Depth];
            ActorPath p = this;
            for (var i = result.Length - 1; i >= 0; i--)
            {
                result[i] = p.Name;
                p = p.Parent;
            }
            return result;
        }
    }

    /// <summary>Creates the path of a child.</summary>
    public ActorPath Child(string name) => new ChildActorPath(this, name, UndefinedUid);

    /// <summary>Creates the path of a child with the given incarnation uid.</summary>
    public ActorPath Child(string name, long uid) => new ChildActorPath(this, name, uid);

    /// <summary>Creates the path of a descendant, elements separated by '/'.</summary>
    public static ActorPath operator /(ActorPath path, string child)
    {
        var result = path;
        foreach (var element in child.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            result = result.Child(element);
        }
        return result;
    }

    /// <summary>This path with another uid.</summary>
    public abstract ActorPath WithUid(long uid);

    /// <summary>The path without address: <c>/user/a/b</c>.</summary>
    public string ToStringWithoutAddress()
    {
        if (Depth == 0)
        {
            return "/";
        }
        var sb = new StringBuilder();
        AppendElements(sb);
        return sb.ToString();
    }

    /// <summary>The path with an explicit address, used when a ref leaves its process.</summary>
    public string ToStringWithAddress(Address address)
    {
        var sb = new StringBuilder(address.ToString());
        if (Depth == 0)
        {
            sb.Append('/');
        }
        else
        {
            AppendElements(sb);
        }
        return sb.ToString();
    }

    private void AppendElements(StringBuilder sb)
    {
        if (Depth == 0)
        {
            return;
        }
        Parent.AppendElements(sb);
        sb.Append('/').Append(Name);
    }

    /// <inheritdoc />
    public override string ToString() => ToStringWithAddress(Address);

    /// <summary>The path including the uid suffix, as Akka prints refs: <c>emu://s/user/a#123</c>.</summary>
    public string ToSerializationFormat() => Uid == UndefinedUid ? ToString() : $"{this}#{Uid}";

    /// <inheritdoc />
    public bool Equals(ActorPath? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }
        if (other is null || Depth != other.Depth)
        {
            return false;
        }
        ActorPath a = this, b = other;
        while (a.Depth > 0)
        {
            if (!string.Equals(a.Name, b.Name, StringComparison.Ordinal))
            {
                return false;
            }
            a = a.Parent;
            b = b.Parent;
        }
        return a.Address == b.Address;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ActorPath other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        ActorPath p = this;
        while (p.Depth > 0)
        {
            hash.Add(p.Name, StringComparer.Ordinal);
            p = p.Parent;
        }
        hash.Add(p.Address);
        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public int CompareTo(ActorPath? other) =>
        string.CompareOrdinal(ToString(), other?.ToString());

    /// <summary>Equality operator on paths.</summary>
    public static bool operator ==(ActorPath? left, ActorPath? right) =>
        left is null ? right is null : left.Equals(right);

    /// <summary>Inequality operator on paths.</summary>
    public static bool operator !=(ActorPath? left, ActorPath? right) => !(left == right);

    [GeneratedRegex(@"^(?:[-\w:@&=+,.!~*'_;]|%[0-9a-fA-F]{2})(?:[-\w:@&=+,.!~*'$_;]|%[0-9a-fA-F]{2})*$")]
    private static partial Regex ElementRegex();

    /// <summary>True when <paramref name="name"/> is a valid path element (Akka's element syntax).</summary>
    public static bool IsValidPathElement(string? name) =>
        !string.IsNullOrEmpty(name) && ElementRegex().IsMatch(name);

    // Elements of a parsed path: the actor name syntax, also allowing the '$' names the kernel generates ($a, temp/$1).
    [GeneratedRegex(@"^(?:[-\w:@&=+,.!~*'$_;]|%[0-9a-fA-F]{2})+$")]
    private static partial Regex ParsedElementRegex();

    /// <summary>
    /// Parses <c>emu://system/user/a</c> or <c>emu://system@host:port/user/a#uid</c>; false when the text is malformed,
    /// including elements that break the actor name syntax.
    /// </summary>
    public static bool TryParse(string text, out ActorPath? path) => TryParse(text, validateElements: true, out path);

    /// <summary>Parses; without <paramref name="validateElements"/> the elements may be anything (selection patterns).</summary>
    internal static bool TryParse(string text, bool validateElements, out ActorPath? path)
    {
        path = null;
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            return false;
        }
        var protocol = text[..schemeEnd];
        var rest = text[(schemeEnd + 3)..];
        long uid = UndefinedUid;
        var hashIndex = rest.IndexOf('#');
        if (hashIndex >= 0)
        {
            if (!long.TryParse(rest[(hashIndex + 1)..], out uid))
            {
                return false;
            }
            rest = rest[..hashIndex];
        }
        var slash = rest.IndexOf('/');
        var authority = slash < 0 ? rest : rest[..slash];
        var elements = slash < 0 ? "" : rest[slash..];
        Address address;
        var at = authority.IndexOf('@');
        if (at < 0)
        {
            if (authority.Length == 0)
            {
                return false;
            }
            address = new Address(protocol, authority);
        }
        else
        {
            var hostPort = authority[(at + 1)..];
            var colon = hostPort.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(hostPort[(colon + 1)..], out var port))
            {
                return false;
            }
            address = new Address(protocol, authority[..at], hostPort[..colon], port);
        }
        ActorPath result = new RootActorPath(address);
        var parts = elements.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (validateElements && !parts.All(p => ParsedElementRegex().IsMatch(p)))
        {
            return false;
        }
        for (var i = 0; i < parts.Length; i++)
        {
            result = i == parts.Length - 1 ? result.Child(parts[i], uid) : result.Child(parts[i]);
        }
        path = result;
        return true;
    }

    /// <summary>Parses a path, throwing <see cref="FormatException"/> on bad input.</summary>
    public static ActorPath Parse(string text) =>
        TryParse(text, out var path) ? path! : throw new FormatException($"Invalid actor path [{text}]");
}

/// <summary>The root of an actor system's path tree.</summary>
public sealed class RootActorPath : ActorPath
{
    /// <summary>Creates the root path for an address.</summary>
    public RootActorPath(Address address) : base("", UndefinedUid) => Address = address;

    /// <inheritdoc />
    public override Address Address { get; }

    /// <inheritdoc />
    public override ActorPath Parent => this;

    /// <inheritdoc />
    public override RootActorPath Root => this;

    /// <inheritdoc />
    public override int Depth => 0;

    /// <inheritdoc />
    public override ActorPath WithUid(long uid) => this;
}

/// <summary>A path below the root.</summary>
public sealed class ChildActorPath : ActorPath
{
    private readonly ActorPath _parent;
    private readonly int _depth;

    /// <summary>Creates a child path; the name may not contain the separators '/' and '#'.</summary>
    public ChildActorPath(ActorPath parent, string name, long uid) : base(name, uid)
    {
        ArgumentNullException.ThrowIfNull(parent);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('/') || name.Contains('#'))
        {
            throw new ArgumentException($"'/' separates path elements and '#' starts the uid: neither is legal in an actor path name [{name}]", nameof(name));
        }
        _parent = parent;
        _depth = parent.Depth + 1;
    }

    /// <inheritdoc />
    public override Address Address => Root.Address;

    /// <inheritdoc />
    public override ActorPath Parent => _parent;

    /// <inheritdoc />
    public override RootActorPath Root
    {
        get
        {
            ActorPath p = _parent;
            while (p is ChildActorPath c)
            {
                p = c._parent;
            }
            return (RootActorPath)p;
        }
    }

    /// <inheritdoc />
    public override int Depth => _depth;

    /// <inheritdoc />
    public override ActorPath WithUid(long uid) => uid == Uid ? this : new ChildActorPath(_parent, Name, uid);
}
