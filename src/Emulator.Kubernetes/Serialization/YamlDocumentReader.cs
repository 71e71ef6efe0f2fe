using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Emulator.Kubernetes.Serialization;

/// <summary>
/// Reads a YAML stream (documents separated by <c>---</c>) into JSON trees, keeping YAML typing as
/// kubectl does and supporting anchors, aliases and <c>&lt;&lt;</c> merge keys.
/// </summary>
internal sealed class YamlDocumentReader
{
    private readonly IParser _parser;
    private readonly Dictionary<string, JsonNode?> _anchors = [];

    private YamlDocumentReader(string text)
    {
        _parser = new Parser(new StringReader(text));
    }

    /// <summary>Reads every document; empty documents yield null.</summary>
    /// <exception cref="ManifestParseException">On malformed YAML.</exception>
    public static List<JsonNode?> ReadAll(string text)
    {
        var reader = new YamlDocumentReader(text);
        try
        {
            return reader.ReadStream();
        }
        catch (YamlException e)
        {
            var line = (int)e.Start.Line;
            var column = (int)e.Start.Column;
            throw new ManifestParseException($"yaml: line {line}, column {column}: {Describe(e)}", line, column, e);
        }
    }

    private static string Describe(YamlException e)
    {
        // YamlDotNet prefixes messages with "(Line: x, Col: y, Idx: z) - (…): "; keep only the reason.
        var message = e.InnerException is YamlException inner ? inner.Message : e.Message;
        var marker = message.LastIndexOf("): ", StringComparison.Ordinal);
        return marker >= 0 ? message[(marker + 3)..] : message;
    }

    private List<JsonNode?> ReadStream()
    {
        var documents = new List<JsonNode?>();
        _parser.Consume<StreamStart>();
        while (_parser.TryConsume<DocumentStart>(out _))
        {
            _anchors.Clear();
            JsonNode? root = null;
            if (!_parser.Accept<DocumentEnd>(out _))
            {
                root = ReadNode();
            }
            _parser.Consume<DocumentEnd>();
            documents.Add(root);
        }
        _parser.Consume<StreamEnd>();
        return documents;
    }

    private JsonNode? ReadNode()
    {
        var current = _parser.Current ?? throw new YamlException("unexpected end of stream");
        switch (current)
        {
            case AnchorAlias alias:
                _parser.MoveNext();
                if (!_anchors.TryGetValue(alias.Value.Value, out var target))
                {
                    throw new YamlException(alias.Start, alias.End, $"unknown anchor '{alias.Value.Value}' referenced");
                }
                return target?.DeepClone();
            case Scalar scalar:
                _parser.MoveNext();
                var value = ResolveScalar(scalar);
                Remember(scalar.Anchor, value);
                return value;
            case SequenceStart seq:
                _parser.MoveNext();
                var array = new JsonArray();
                while (!_parser.TryConsume<SequenceEnd>(out _))
                {
                    array.Add(ReadNode());
                }
                Remember(seq.Anchor, array);
                return array;
            case MappingStart map:
                _parser.MoveNext();
                var obj = ReadMapping();
                Remember(map.Anchor, obj);
                return obj;
            default:
                throw new YamlException(current.Start, current.End, $"unexpected {current.GetType().Name}");
        }
    }

    private JsonObject ReadMapping()
    {
        var obj = new JsonObject();
        var merged = new List<JsonObject>();
        while (!_parser.TryConsume<MappingEnd>(out _))
        {
            var keyEvent = _parser.Current;
            if (keyEvent is not Scalar keyScalar)
            {
                throw new YamlException(keyEvent!.Start, keyEvent.End, "mapping keys must be scalars");
            }
            _parser.MoveNext();
            var isPlain = keyScalar.Style == ScalarStyle.Plain && keyScalar.Tag.IsEmpty;
            if (isPlain && keyScalar.Value == "<<")
            {
                var source = ReadNode();
                if (source is JsonObject single)
                {
                    merged.Add(single);
                }
                else if (source is JsonArray many)
                {
                    merged.AddRange(many.OfType<JsonObject>());
                }
                continue;
            }
            var key = YamlScalarResolver.ResolveKey(keyScalar.Value, isPlain);
            var value = ReadNode();
            // Later keys win, as in go-yaml's non-strict decoding into a map.
            obj[key] = value;
        }
        foreach (var source in merged)
        {
            foreach (var (k, v) in source)
            {
                if (!obj.ContainsKey(k))
                {
                    obj[k] = v?.DeepClone();
                }
            }
        }
        return obj;
    }

    private static JsonNode? ResolveScalar(Scalar scalar)
    {
        if (!scalar.Tag.IsEmpty && scalar.Tag.Value != "!")
        {
            try
            {
                return YamlScalarResolver.ResolveTagged(scalar.Tag.Value, scalar.Value);
            }
            catch (FormatException e)
            {
                throw new YamlException(scalar.Start, scalar.End, e.Message);
            }
        }
        if (scalar.Style == ScalarStyle.Plain && scalar.Tag.IsEmpty)
        {
            return YamlScalarResolver.ResolvePlain(scalar.Value);
        }
        return JsonValue.Create(scalar.Value);
    }

    private void Remember(AnchorName anchor, JsonNode? value)
    {
        if (!anchor.IsEmpty)
        {
            _anchors[anchor.Value] = value?.DeepClone();
        }
    }
}
