using System.Text.Json.Nodes;

namespace Emulator.ControlPlane.Store;

/// <summary>What the store needs to know about a resource type.</summary>
/// <param name="Group">API group ("" for core).</param>
/// <param name="Version">API version.</param>
/// <param name="Resource">Plural resource name (<c>pods</c>).</param>
/// <param name="Kind">Kind (<c>Pod</c>).</param>
/// <param name="Namespaced">Whether objects live in namespaces.</param>
/// <param name="HasStatus">Whether the type has a <c>status</c> subresource: then main-resource writes keep the stored status and status writes keep the rest.</param>
public sealed record ResourceType(string Group, string Version, string Resource, string Kind, bool Namespaced, bool HasStatus = true)
{
    /// <summary><c>pods</c> or <c>deployments.apps</c>: the key of the type in the store.</summary>
    public string Key => ApiStatus.Qualified(Resource, Group);

    /// <summary><c>v1</c> or <c>apps/v1</c>.</summary>
    public string ApiVersion => string.IsNullOrEmpty(Group) ? Version : $"{Group}/{Version}";
}

/// <summary>Identifies one stored object.</summary>
public readonly record struct ObjectKey(string Resource, string? Namespace, string Name)
{
    /// <inheritdoc />
    public override string ToString() => Namespace is null ? $"{Resource}/{Name}" : $"{Resource}/{Namespace}/{Name}";
}

/// <summary>Which part of an object an update writes.</summary>
public enum UpdateScope
{
    /// <summary>The object without its status (the main resource).</summary>
    Main,

    /// <summary>Only the status (the <c>status</c> subresource).</summary>
    Status,

    /// <summary>Only a pod's <c>spec.ephemeralContainers</c> (the <c>ephemeralcontainers</c> subresource).</summary>
    EphemeralContainers,
}

/// <summary>
/// A command to the store. <see cref="Correlation"/> comes back unchanged on the reply, so an actor that talks to the
/// store with <c>Tell</c> (no ask, no task: deterministic) knows which of its requests a reply answers.
/// </summary>
public abstract record StoreCommand
{
    /// <summary>Opaque to the store; copied to the reply.</summary>
    public object? Correlation { get; init; }

    /// <summary>
    /// The user an API request ran as, as an AdmissionRequest's <c>userInfo</c> (<c>username</c>, <c>uid</c>,
    /// <c>groups</c>, <c>extra</c>), for admission; null for the emulated components' own writes.
    /// </summary>
    public System.Text.Json.Nodes.JsonObject? UserInfo { get; init; }
}

/// <summary>Creates an object; replies <see cref="StoreReply"/>.</summary>
public sealed record CreateObject(ResourceType Type, JsonObject Object, bool DryRun = false) : StoreCommand
{
    /// <summary>Who writes, for <c>metadata.managedFields</c> (null: the write is not tracked).</summary>
    public FieldOwnership? Ownership { get; init; }
}

/// <summary>
/// Replaces an object; <c>metadata.resourceVersion</c>, when set, must be the stored one (optimistic concurrency).
/// Replies <see cref="StoreReply"/>.
/// </summary>
public sealed record UpdateObject(ResourceType Type, JsonObject Object, UpdateScope Scope = UpdateScope.Main, bool DryRun = false) : StoreCommand
{
    /// <summary>Who writes, for <c>metadata.managedFields</c> (null: the write is not tracked).</summary>
    public FieldOwnership? Ownership { get; init; }
}

/// <summary>How a delete proceeds.</summary>
/// <param name="GracePeriodSeconds">For pods: how long until removal (null: the pod's own terminationGracePeriodSeconds).</param>
/// <param name="PreconditionUid">Delete only this incarnation.</param>
/// <param name="PreconditionResourceVersion">Delete only this version.</param>
/// <param name="PropagationPolicy">Background, Foreground or Orphan (null: the type's default).</param>
/// <param name="DryRun">Validate only; change nothing.</param>
public sealed record DeleteOptions(long? GracePeriodSeconds = null, string? PreconditionUid = null, string? PreconditionResourceVersion = null, string? PropagationPolicy = null, bool DryRun = false);

/// <summary>Deletes (or starts deleting) an object; replies <see cref="StoreReply"/> with the object as it is after the call.</summary>
public sealed record DeleteObject(ResourceType Type, string? Namespace, string Name, DeleteOptions Options) : StoreCommand;

/// <summary>Reads one object; replies <see cref="StoreReply"/>.</summary>
public sealed record GetObject(ResourceType Type, string? Namespace, string Name) : StoreCommand;

/// <summary>
/// Lists objects of a type (in a namespace, or all when null) that <paramref name="Selector"/> selects, ordered by
/// namespace and name; with <paramref name="Limit"/> a page at a time, continuing after the object
/// <paramref name="After"/> names. Replies <see cref="ListReply"/>.
/// </summary>
public sealed record ListObjects(ResourceType Type, string? Namespace, ObjectSelector? Selector = null, int Limit = 0, (string Namespace, string Name)? After = null) : StoreCommand;

/// <summary>The answer to a single-object command: the object (UTF-8 JSON) or the failure.</summary>
public sealed record StoreReply(StoredObject? Object, ApiStatus? Error)
{
    /// <summary>The <see cref="StoreCommand.Correlation"/> of the command answered.</summary>
    public object? Correlation { get; init; }

    /// <summary>The warnings admission gave the write, for <c>Warning</c> headers.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>True when the command succeeded.</summary>
    public bool IsSuccess => Error is null;
}

/// <summary>
/// The answer to <see cref="ListObjects"/>: items, the store's resourceVersion at the time of the list, and, when a
/// limit cut the list short, how many items remain.
/// </summary>
public sealed record ListReply(IReadOnlyList<StoredObject> Items, long ResourceVersion, long RemainingItemCount = 0)
{
    /// <summary>The <see cref="StoreCommand.Correlation"/> of the command answered.</summary>
    public object? Correlation { get; init; }

    /// <summary>True when more items follow the last one.</summary>
    public bool HasMore => RemainingItemCount > 0;
}

/// <summary>Kinds of watch events.</summary>
public enum WatchEventType
{
    /// <summary>Object created.</summary>
    Added,

    /// <summary>Object changed.</summary>
    Modified,

    /// <summary>Object removed.</summary>
    Deleted,
}

/// <summary>A durable change, as watchers receive it; <see cref="Previous"/> is the version it replaced (for selector transitions).</summary>
public sealed record WatchEvent(WatchEventType Type, StoredObject Object, StoredObject? Previous = null)
{
    /// <summary>The resourceVersion of the change.</summary>
    public long ResourceVersion => Object.ResourceVersion;
}

/// <summary>
/// Binds a pod to a node (the <c>pods/binding</c> subresource the scheduler writes): sets <c>spec.nodeName</c> and the
/// <c>PodScheduled</c> condition. Refused with <c>Conflict</c> when the pod is already bound. Replies <see cref="StoreReply"/>.
/// </summary>
public sealed record BindPod(string Namespace, string Name, string NodeName, string? Uid = null) : StoreCommand;

/// <summary>Asks the store about itself (diagnostics: the bench's fuzz runs, tests); replies <see cref="StoreInfo"/>.</summary>
public sealed record GetStoreInfo;

/// <summary>What the store says about itself.</summary>
/// <param name="Incarnation">Identifies this instance of the store actor: it changes when the store restarts (and recovers its journal).</param>
/// <param name="ObjectCount">Objects held.</param>
/// <param name="CommandFailures">Commands that failed with an unexpected exception and were answered 500 (the store kept running).</param>
/// <param name="RecoveredEvents">Journal events this instance replayed when it started.</param>
public sealed record StoreInfo(Guid Incarnation, int ObjectCount, long CommandFailures, long RecoveredEvents);
