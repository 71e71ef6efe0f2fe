using System.Text;
using System.Text.Json.Nodes;
using Emulator.Api.Discovery;
using Emulator.Kubernetes.Serialization;

namespace Emulator.Fuzzing;

/// <summary>
/// A seeded generator of hostile requests against every served kind and write verb: valid seed objects with a
/// mutation (a value of the wrong type, a number that fits no integer, a field removed or unknown, deep nesting, an
/// enormous string, NUL bytes), broken bodies (truncated JSON, YAML and protobuf, duplicate keys, invalid UTF-8, a
/// wrong content type) and mutated patches of every patch type. The same seed gives the same cases.
/// </summary>
public sealed class ManifestFuzzer
{
    private static readonly string[] PatchTypes =
    [
        "application/merge-patch+json", "application/strategic-merge-patch+json", "application/json-patch+json", "application/apply-patch+yaml",
    ];

    private static readonly string[] WrongContentTypes = ["text/plain", "application/xml", "application/x-www-form-urlencoded", "", "application/json; charset=utf-16", "multipart/form-data; boundary=x"];

    private readonly Random _random;
    private readonly IReadOnlyList<ApiResource> _resources;
    private int _number;

    /// <summary>Creates a fuzzer of <paramref name="resources"/> (every served resource when null) seeded with <paramref name="seed"/>.</summary>
    public ManifestFuzzer(int seed, IReadOnlyList<ApiResource>? resources = null)
    {
        _random = new Random(seed);
        _resources = resources ?? ApiResourceCatalog.Default.Resources;
    }

    /// <summary>The collection path of <paramref name="resource"/> in the fuzzer's namespace.</summary>
    public static string CollectionPath(ApiResource resource)
    {
        var root = string.IsNullOrEmpty(resource.Group) ? $"/api/{resource.Version}" : $"/apis/{resource.Group}/{resource.Version}";
        return resource.Namespaced ? $"{root}/namespaces/{SeedObjects.Namespace}/{resource.Resource}" : $"{root}/{resource.Resource}";
    }

    /// <summary>The next case.</summary>
    public FuzzCase Next()
    {
        var number = ++_number;
        var resource = _resources[_random.Next(_resources.Count)];
        var name = $"fuzz-{number}";
        var collection = CollectionPath(resource);
        var named = $"{collection}/{SeedObjects.SeedName}";
        switch (_random.Next(10))
        {
            case < 4:
                {
                    var (body, what) = MutatedObject(resource, name);
                    var (contentType, bytes, how) = Encode(body);
                    return new FuzzCase(number, $"create {resource.Kind}: {what}{how}", HttpMethod.Post, collection + Query(), contentType, bytes);
                }
            case < 6:
                {
                    var (body, what) = MutatedObject(resource, SeedObjects.SeedName);
                    var (contentType, bytes, how) = Encode(body);
                    var path = resource.HasStatus && _random.Next(4) == 0 ? named + "/status" : named;
                    return new FuzzCase(number, $"update {resource.Kind}: {what}{how}", HttpMethod.Put, path + Query(), contentType, bytes);
                }
            case < 9:
                {
                    var patchType = PatchTypes[_random.Next(PatchTypes.Length)];
                    var (bytes, what) = Patch(resource, patchType);
                    var path = named;
                    if (resource.HasScale && _random.Next(5) == 0)
                    {
                        path += "/scale";
                    }
                    else if (resource.HasStatus && _random.Next(4) == 0)
                    {
                        path += "/status";
                    }
                    if (patchType == "application/apply-patch+yaml")
                    {
                        path += "?fieldManager=fuzz";
                    }
                    return new FuzzCase(number, $"patch {resource.Kind}: {what}", HttpMethod.Patch, path, patchType, bytes);
                }
            default:
                {
                    // Delete options of the wrong shape, on an object that does not exist (the seeds stay).
                    var options = new JsonObject { ["kind"] = "DeleteOptions", ["apiVersion"] = "v1", ["propagationPolicy"] = "Background", ["gracePeriodSeconds"] = 0 };
                    var what = Mutate(options);
                    var (contentType, bytes, how) = Encode(options);
                    return new FuzzCase(number, $"delete {resource.Kind}: {what}{how}", HttpMethod.Delete, $"{collection}/{name}", contentType, bytes);
                }
        }
    }

    private string Query() => _random.Next(6) switch
    {
        0 => "?fieldValidation=Strict",
        1 => "?fieldValidation=Ignore",
        2 => "?dryRun=All",
        3 => "?fieldValidation=" + Uri.EscapeDataString(HostileString()),
        _ => "",
    };

    private (JsonObject Body, string What) MutatedObject(ApiResource resource, string name)
    {
        var body = SeedObjects.For(resource, name);
        var mutations = 1 + (_random.Next(4) == 0 ? _random.Next(3) : 0);
        var what = new List<string>();
        for (var i = 0; i < mutations; i++)
        {
            what.Add(Mutate(body));
        }
        return (body, string.Join("; ", what));
    }

    /// <summary>Changes one place of <paramref name="root"/>; returns what it did.</summary>
    private string Mutate(JsonObject root)
    {
        var places = new List<(JsonNode Parent, string? Key, int Index, string Path)>();
        Collect(root, "", places);
        if (places.Count == 0)
        {
            return "nothing to mutate";
        }
        var (parent, key, index, path) = places[_random.Next(places.Count)];
        switch (_random.Next(6))
        {
            case 0 when parent is JsonObject obj && key is not null:
                obj.Remove(key);
                return $"removed {path}";
            case 1 when parent is JsonObject obj:
                var unknown = "x" + _random.Next(1000);
                obj[unknown] = HostileValue();
                return $"added {path}.{unknown}";
            default:
                var value = HostileValue();
                var shown = value?.ToJsonString() is { Length: > 60 } long_ ? long_[..60] + "…" : value?.ToJsonString() ?? "null";
                if (parent is JsonObject o && key is not null)
                {
                    o[key] = value;
                }
                else if (parent is JsonArray a)
                {
                    a[index] = value;
                }
                return $"{path} = {shown}";
        }
    }

    private static void Collect(JsonNode node, string path, List<(JsonNode, string?, int, string)> places)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj.ToList())
                {
                    places.Add((obj, key, -1, $"{path}.{key}"));
                    if (child is not null)
                    {
                        Collect(child, $"{path}.{key}", places);
                    }
                }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    places.Add((array, null, i, $"{path}[{i}]"));
                    if (array[i] is { } child)
                    {
                        Collect(child, $"{path}[{i}]", places);
                    }
                }
                break;
        }
    }

    /// <summary>A value of a wrong type or a hostile size. Never int32's maximum: a valid replica count that large is a runaway workload, tested on its own.</summary>
    private JsonNode? HostileValue() => _random.Next(22) switch
    {
        0 => null,
        1 => JsonValue.Create(true),
        2 => JsonValue.Create("eighty"),
        3 => JsonValue.Create(-1),
        4 => JsonValue.Create(2147483648L),
        5 => JsonNode.Parse("9223372036854775808"),
        6 => JsonNode.Parse("1.5e308"),
        7 => JsonValue.Create(1.5),
        8 => JsonNode.Parse("-9223372036854775809"),
        9 => new JsonArray(1, 2),
        10 => new JsonArray("nginx"),
        11 => new JsonObject { ["b"] = new JsonObject() },
        12 => new JsonObject(),
        13 => new JsonArray(),
        14 => JsonValue.Create(HostileString()),
        15 => JsonValue.Create(new string('x', _random.Next(2) == 0 ? 70_000 : 1_700_000)),
        16 => Nested(_random.Next(2) == 0 ? 200 : 5_000),
        17 => JsonValue.Create("a\u0000b"),
        18 => JsonValue.Create(0),
        19 => JsonValue.Create("1Gi"),
        20 => JsonValue.Create("2026-13-45T99:99:99Z"),
        _ => JsonNode.Parse("1e-400"),
    };

    private string HostileString() => _random.Next(7) switch
    {
        0 => "",
        1 => "UPPER_case.name",
        2 => new string('a', 254),
        3 => "../../etc/passwd",
        4 => "\u202e\ud83d\ude00 é \u0001",
        5 => "-leading-dash",
        _ => "x=y,z in (a)",
    };

    private static JsonNode Nested(int depth)
    {
        // Built as text: System.Text.Json refuses to build (and to write) a tree deeper than its own limit.
        var text = new StringBuilder();
        text.Append('[', depth).Append('1').Append(']', depth);
        return JsonValue.Create(text.ToString())!;
    }

    /// <summary>Serializes the body in one of the ways a client (or an attacker) sends it.</summary>
    private (string? ContentType, byte[] Bytes, string How) Encode(JsonNode body)
    {
        var json = UnwrapNesting(body.ToJsonString());
        switch (_random.Next(12))
        {
            case 0:
                return ("application/json", Truncate(Encoding.UTF8.GetBytes(json)), " (truncated)");
            case 1:
                return ("application/yaml", Encoding.UTF8.GetBytes(YamlWriter.Write(body)), " (yaml)");
            case 2:
                return ("application/yaml", Truncate(Encoding.UTF8.GetBytes(YamlWriter.Write(body))), " (yaml, truncated)");
            case 3:
                return ("application/yaml", Encoding.UTF8.GetBytes("a: [\n\tb: {c: 'd\n" + json), " (broken yaml)");
            case 4:
                return ("application/vnd.kubernetes.protobuf", ProtobufGarbage(), " (protobuf garbage)");
            case 5:
                return (WrongContentTypes[_random.Next(WrongContentTypes.Length)], Encoding.UTF8.GetBytes(json), " (wrong content type)");
            case 6:
                // Duplicate keys: the last one wins in Go's decoder.
                return ("application/json", Encoding.UTF8.GetBytes(json.Insert(1, "\"kind\":[],\"metadata\":{\"name\":7},")), " (duplicate keys)");
            case 7:
                var bytes = Encoding.UTF8.GetBytes(json);
                bytes[_random.Next(bytes.Length)] = (byte)(0x80 + _random.Next(0x7f));
                return ("application/json", bytes, " (invalid utf-8)");
            case 8:
                return ("application/json", [], " (empty)");
            default:
                return ("application/json", Encoding.UTF8.GetBytes(json), "");
        }
    }

    /// <summary>Turns the nesting placeholders (strings of brackets) back into real nesting in the JSON text.</summary>
    private static string UnwrapNesting(string json) =>
        System.Text.RegularExpressions.Regex.Replace(json, "\"(\\[{50,}1\\]{50,})\"", m => m.Groups[1].Value);

    private byte[] Truncate(byte[] bytes) => bytes.Length <= 1 ? bytes : bytes[.._random.Next(1, bytes.Length)];

    private byte[] ProtobufGarbage()
    {
        // The envelope's magic number, then random bytes: an Unknown message whose fields are nonsense.
        var garbage = new byte[4 + _random.Next(1, 200)];
        "k8s\0"u8.CopyTo(garbage);
        _random.NextBytes(garbage.AsSpan(4));
        return garbage;
    }

    private (byte[] Bytes, string What) Patch(ApiResource resource, string patchType)
    {
        switch (patchType)
        {
            case "application/json-patch+json":
                {
                    string[] ops = ["add", "replace", "remove", "test", "move", "copy", "bogus"];
                    string[] paths = ["/spec/replicas", "/metadata/labels/app", "/spec", "/metadata/name", "/spec/template/spec/containers/0/image", "/status", "", "/a~2b", "/spec/containers/-", "/data/key"];
                    var patch = new JsonArray();
                    for (var i = 0; i <= _random.Next(3); i++)
                    {
                        var op = new JsonObject { ["op"] = ops[_random.Next(ops.Length)], ["path"] = paths[_random.Next(paths.Length)], ["value"] = HostileValue() };
                        if (_random.Next(3) == 0)
                        {
                            op["from"] = paths[_random.Next(paths.Length)];
                        }
                        patch.Add(op);
                    }
                    var text = UnwrapNesting(patch.ToJsonString());
                    return (_random.Next(8) == 0 ? Truncate(Encoding.UTF8.GetBytes(text)) : Encoding.UTF8.GetBytes(text), $"json patch {Shorten(text)}");
                }
            default:
                {
                    var (body, what) = MutatedObject(resource, SeedObjects.SeedName);
                    if (patchType != "application/apply-patch+yaml" && _random.Next(2) == 0)
                    {
                        // Partial patches: only the spec or only the metadata.
                        body.Remove(_random.Next(2) == 0 ? "spec" : "metadata");
                    }
                    if (patchType == "application/strategic-merge-patch+json" && _random.Next(3) == 0)
                    {
                        body["$patch"] = _random.Next(2) == 0 ? "delete" : "bogus";
                        body["$setElementOrder/containers"] = HostileValue();
                    }
                    var text = patchType == "application/apply-patch+yaml" ? YamlWriter.Write(body) : UnwrapNesting(body.ToJsonString());
                    var bytes = Encoding.UTF8.GetBytes(text);
                    return (_random.Next(8) == 0 ? Truncate(bytes) : bytes, what);
                }
        }
    }

    private static string Shorten(string text) => text.Length > 80 ? text[..80] + "…" : text;
}
