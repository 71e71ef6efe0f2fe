using System.Reflection;

namespace Emulator.Kubernetes.Schema;

/// <summary>
/// The data-driven schema of the served kinds (embedded <c>kinds.schema</c>): which fields exist and their Go types
/// (for typed decoding, <c>fieldValidation=Strict</c> and pruning) and how lists merge under strategic merge patch.
/// </summary>
public sealed class FieldSchema
{
    private readonly Dictionary<string, TypeDefinition> _types;

    private FieldSchema(Dictionary<string, TypeDefinition> types)
    {
        _types = types;
    }

    /// <summary>The built-in schema.</summary>
    public static FieldSchema Default { get; } = Load();

    /// <summary>Every type, by name.</summary>
    public IReadOnlyDictionary<string, TypeDefinition> Types => _types;

    /// <summary>The type named <paramref name="name"/>, or null.</summary>
    public TypeDefinition? Find(string name) => _types.GetValueOrDefault(name);

    /// <summary>Parses schema text (see the format at the top of <c>kinds.schema</c>).</summary>
    /// <exception cref="FormatException">On a malformed line or an unknown type reference.</exception>
    public static FieldSchema Parse(string text)
    {
        var types = new Dictionary<string, TypeDefinition>(StringComparer.Ordinal);
        var references = new List<TypeReference>();
        TypeDefinition? current = null;
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.TrimEnd('\r');
            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                continue;
            }
            var words = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (!char.IsWhiteSpace(line[0]))
            {
                if (words[0] != "type" || words.Length < 2)
                {
                    throw new FormatException($"schema line {lineNumber}: expected 'type <Name>'");
                }
                var open = words.Contains("open");
                var atomic = words.Contains("atomic");
                var colon = Array.IndexOf(words, ":");
                var goName = words.FirstOrDefault(w => w.StartsWith("go=", StringComparison.Ordinal))?["go=".Length..];
                current = new TypeDefinition(words[1], open, colon > 0 && colon + 1 < words.Length ? words[colon + 1] : null, goName) { Atomic = atomic };
                types[current.Name] = current;
                continue;
            }
            if (current is null || words.Length < 2)
            {
                throw new FormatException($"schema line {lineNumber}: field outside a type or without a type");
            }
            string? mergeKey = null;
            var strategies = new HashSet<string>(StringComparer.Ordinal);
            var apply = new ApplySemantics();
            foreach (var attribute in words.Skip(2))
            {
                if (ApplySemantics.TryParse(attribute, apply, lineNumber))
                {
                    continue;
                }
                if (attribute.StartsWith("merge=", StringComparison.Ordinal))
                {
                    mergeKey = attribute["merge=".Length..];
                    strategies.Add("merge");
                }
                else if (attribute.StartsWith("strategy=", StringComparison.Ordinal))
                {
                    strategies.UnionWith(attribute["strategy=".Length..].Split(','));
                }
                else
                {
                    throw new FormatException($"schema line {lineNumber}: unknown attribute '{attribute}'");
                }
            }
            var type = ParseType(words[1], references);
            current.FieldMap[words[0]] = new FieldDefinition(words[0], type, mergeKey, strategies) { Apply = apply };
        }
        foreach (var type in types.Values)
        {
            Inherit(type, types, 0);
        }
        foreach (var reference in references)
        {
            reference.Definition = types.GetValueOrDefault(reference.Name)
                ?? throw new FormatException($"schema: unknown type '{reference.Name}'");
        }
        return new FieldSchema(types);
    }

    private static void Inherit(TypeDefinition type, Dictionary<string, TypeDefinition> types, int depth)
    {
        if (type.BaseName is null || depth > 10)
        {
            return;
        }
        var parent = types.GetValueOrDefault(type.BaseName) ?? throw new FormatException($"schema: unknown base type '{type.BaseName}'");
        Inherit(parent, types, depth + 1);
        foreach (var (name, field) in parent.FieldMap)
        {
            type.FieldMap.TryAdd(name, field);
        }
    }

    private static TypeReference ParseType(string text, List<TypeReference> references)
    {
        if (text.StartsWith("[]", StringComparison.Ordinal))
        {
            return new TypeReference(TypeShape.List, "", ParseType(text[2..], references));
        }
        if (text.StartsWith("map[", StringComparison.Ordinal) && text.EndsWith(']'))
        {
            return new TypeReference(TypeShape.Map, "", ParseType(text[4..^1], references));
        }
        if (text.StartsWith("object:", StringComparison.Ordinal))
        {
            return new TypeReference(TypeShape.Any, "object", goName: text["object:".Length..]);
        }
        switch (text)
        {
            case "string" or "int32" or "int64" or "boolean" or "number" or "intorstring" or "quantity" or "bytes" or "time" or "microtime":
                return new TypeReference(TypeShape.Scalar, text);
            case "integer" or "object":
                // Decoding needs the Go type: int32 or int64, object:GoName.
                throw new FormatException($"schema: '{text}' needs its Go type (int32/int64, object:<GoName>)");
            case "any":
                return new TypeReference(TypeShape.Any, text);
            default:
                var reference = new TypeReference(TypeShape.Struct, text);
                references.Add(reference);
                return reference;
        }
    }

    private static FieldSchema Load()
    {
        var assembly = typeof(FieldSchema).Assembly;
        var name = assembly.GetManifestResourceNames().Single(n => n.EndsWith("kinds.schema", StringComparison.Ordinal));
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }
}
