using System.Globalization;
using Akka.Actor;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Decoding;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Serialization;

namespace Emulator.ControlPlane.Store;

/// <summary>Thrown when a manifest cannot be read or applied; the message names the file and the object.</summary>
public sealed class ManifestApplyException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Applies manifests straight to the store (<c>emulator up --apply PATH</c>, a chaos experiment's workload): a file, or every <c>.yaml</c>/<c>.yml</c>/<c>.json</c> file of
/// a directory in name order, multi-document YAML and <c>List</c> kinds included. Namespaces go first; an object that
/// exists is replaced (its spec, labels and annotations), as <c>kubectl apply</c> would leave it.
/// </summary>
public static class ManifestApplier
{
    /// <summary>Applies everything under <paramref name="path"/>; returns one kubectl-style line per object.</summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(IActorRef store, string path, TimeSpan timeout)
    {
        var files = Directory.Exists(path)
            ? Directory.EnumerateFiles(path).Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".json", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToArray()
            : File.Exists(path) ? [path] : throw new ManifestApplyException($"{path}: no such file or directory");
        var texts = new List<(string File, string Text)>();
        foreach (var file in files)
        {
            texts.Add((file, await File.ReadAllTextAsync(file)));
        }
        return await ApplyAsync(store, texts, timeout);
    }

    /// <summary>Applies the manifests in <paramref name="text"/> (named <paramref name="source"/> in errors); returns one kubectl-style line per object.</summary>
    public static Task<IReadOnlyList<string>> ApplyTextAsync(IActorRef store, string text, string source, TimeSpan timeout) =>
        ApplyAsync(store, [(source, text)], timeout);

    private static async Task<IReadOnlyList<string>> ApplyAsync(IActorRef store, IReadOnlyList<(string File, string Text)> texts, TimeSpan timeout)
    {
        var objects = new List<(string File, KubeObject Object, KindInfo Kind)>();
        foreach (var (file, text) in texts)
        {
            IReadOnlyList<KubeObject> read;
            try
            {
                read = ManifestReader.ReadObjects(text);
            }
            catch (ManifestParseException e)
            {
                throw new ManifestApplyException($"{file}: {e.Message}", e);
            }
            foreach (var obj in read)
            {
                if (!KindRegistry.Default.TryResolve(obj.ApiVersion, obj.Kind, out var kind))
                {
                    throw new ManifestApplyException($"{file}: no matches for kind \"{obj.Kind}\" in version \"{obj.ApiVersion}\"");
                }
                try
                {
                    // The store only receives objects that decode into their kind's Go types, as through the API.
                    TypedDecoder.EnsureDecodes(obj.Document, kind);
                }
                catch (TypedDecodingException e)
                {
                    throw new ManifestApplyException($"{file}: {e.Message}", e);
                }
                objects.Add((file, obj, kind));
            }
        }
        var lines = new List<string>();
        foreach (var (file, obj, kind) in objects.OrderBy(o => o.Kind.Kind == "Namespace" ? 0 : 1))
        {
            var type = ResourceTypes.Of(kind);
            if (kind.Namespaced && string.IsNullOrEmpty(obj.Namespace))
            {
                obj.Namespace = "default";
            }
            // kubectl's wording: deployment.apps/web, configmap/settings.
            var display = $"{kind.Kind.ToLower(CultureInfo.InvariantCulture)}{(kind.Group.Length > 0 ? "." + kind.Group : "")}/{obj.Name}";
            var created = await store.Ask<StoreReply>(new CreateObject(type, obj.DeepClone().Document), timeout);
            if (created.IsSuccess)
            {
                lines.Add($"{display} created");
                continue;
            }
            if (created.Error is not { Reason: "AlreadyExists" })
            {
                throw new ManifestApplyException($"{file}: {display}: {created.Error!.Message}");
            }
            var current = await store.Ask<StoreReply>(new GetObject(type, obj.Namespace, obj.Name!), timeout);
            if (current.Object is not { } live)
            {
                throw new ManifestApplyException($"{file}: {display}: {current.Error?.Message}");
            }
            var next = new KubeObject(live.ToJsonObject());
            foreach (var field in obj.Document)
            {
                if (field.Key is not ("metadata" or "status" or "apiVersion" or "kind"))
                {
                    next.Document[field.Key] = field.Value?.DeepClone();
                }
            }
            next.SetLabels(obj.Labels);
            next.SetAnnotations(obj.Annotations);
            var updated = await store.Ask<StoreReply>(new UpdateObject(type, next.Document), timeout);
            if (updated.Error is { } error)
            {
                throw new ManifestApplyException($"{file}: {display}: {error.Message}");
            }
            lines.Add(updated.Object!.ResourceVersion == live.ResourceVersion ? $"{display} unchanged" : $"{display} configured");
        }
        return lines;
    }
}
