using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes.Serialization.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Emulator.Api.Resources;

/// <summary>Writes API answers: objects, lists and Kubernetes <c>Status</c> errors.</summary>
public static class ApiResponses
{
    /// <summary>A <c>Status</c> object as the API server returns it.</summary>
    public static JsonObject StatusObject(ApiStatus status)
    {
        var details = new JsonObject();
        if (status.Name is not null)
        {
            details["name"] = status.Name;
        }
        if (!string.IsNullOrEmpty(status.Group))
        {
            details["group"] = status.Group;
        }
        if (status.Kind is not null)
        {
            details["kind"] = status.Kind;
        }
        if (status.Causes is { Count: > 0 } causes)
        {
            details["causes"] = new JsonArray(causes.Select(c => (JsonNode)Cause(c)).ToArray());
        }
        if (status.RetryAfterSeconds > 0)
        {
            details["retryAfterSeconds"] = status.RetryAfterSeconds;
        }
        var result = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = status.Message,
        };
        // Go's omitempty: an error the API server did not classify (etcd's "request is too large") has no reason.
        if (!string.IsNullOrEmpty(status.Reason))
        {
            result["reason"] = status.Reason;
        }
        // NewTimeoutError always carries details (retryAfterSeconds, omitted when 0): "details":{}.
        if (details.Count > 0 || status.Reason == "Timeout")
        {
            result["details"] = details;
        }
        result["code"] = status.Code;
        return result;
    }

    private static JsonObject Cause(StatusCause cause)
    {
        // Fields are omitempty in Kubernetes' StatusCause (an InternalError's cause has only a message).
        var result = new JsonObject();
        if (!string.IsNullOrEmpty(cause.Reason))
        {
            result["reason"] = cause.Reason;
        }
        result["message"] = cause.Message;
        if (!string.IsNullOrEmpty(cause.Field))
        {
            result["field"] = cause.Field;
        }
        return result;
    }

    /// <summary>
    /// The API server's answer to a body over its limit (<c>limitedReadBody</c>, 3 MiB):
    /// <c>413 RequestEntityTooLarge</c>, <c>Request entity too large: limit is 3145728</c>.
    /// </summary>
    public static ApiStatus RequestEntityTooLarge(long limit) =>
        new(413, "RequestEntityTooLarge", $"Request entity too large: limit is {limit}");

    /// <summary>
    /// The API server's answer to a request that outlived its deadline (<c>--request-timeout</c>, 60 s), a body that
    /// never finished arriving included: <c>504 Timeout</c>, <c>Timeout: request did not complete within the allotted timeout</c>.
    /// </summary>
    public static ApiStatus RequestTimeout() =>
        new(504, "Timeout", "Timeout: request did not complete within the allotted timeout");

    /// <summary>Writes a failure.</summary>
    public static Task WriteStatus(HttpContext context, ApiStatus status)
    {
        context.Response.StatusCode = status.Code;
        // The API server turns a status's retry period into the header clients honour (client-go waits and retries).
        if (status.RetryAfterSeconds > 0)
        {
            context.Response.Headers.RetryAfter = status.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return WriteJson(context, StatusObject(status));
    }

    /// <summary>Writes a JSON document.</summary>
    public static async Task WriteJson(HttpContext context, JsonNode node)
    {
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(node)).ConfigureAwait(false);
    }

    /// <summary>Writes raw UTF-8 JSON.</summary>
    public static async Task WriteRaw(HttpContext context, byte[] json, int statusCode = 200)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(json).ConfigureAwait(false);
    }

    /// <summary>Writes a <c>KindList</c> whose items are the stored JSON, without re-parsing them.</summary>
    public static Task WriteList(HttpContext context, string apiVersion, string listKind, IReadOnlyList<StoredObject> items, long resourceVersion, string? continueToken = null, long remainingItemCount = 0, Func<StoredObject, byte[]>? jsonOf = null) =>
        WriteChunked(context, async (writer, drain) =>
        {
            writer.WriteStartObject();
            writer.WriteString("kind", listKind);
            writer.WriteString("apiVersion", apiVersion);
            WriteListMetadata(writer, resourceVersion, continueToken, remainingItemCount);
            writer.WriteStartArray("items");
            foreach (var item in items)
            {
                writer.WriteRawValue(jsonOf is null ? item.Json : jsonOf(item), skipInputValidation: true);
                await drain().ConfigureAwait(false);
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        });

    /// <summary>
    /// Writes a list's <c>metadata</c>: its resourceVersion (null: none, for objects the API server computes) and, on a
    /// page cut short, the continue token and how many items remain after it.
    /// </summary>
    public static void WriteListMetadata(Utf8JsonWriter writer, long? resourceVersion, string? continueToken, long remainingItemCount)
    {
        writer.WriteStartObject("metadata");
        if (resourceVersion is { } version)
        {
            writer.WriteString("resourceVersion", version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (continueToken is not null)
        {
            writer.WriteString("continue", continueToken);
            writer.WriteNumber("remainingItemCount", remainingItemCount);
        }
        writer.WriteEndObject();
    }

    /// <summary>
    /// Writes a JSON document as <paramref name="write"/> builds it, sent on in chunks of about 64 KiB whenever
    /// <paramref name="write"/> calls its second argument (after each item): a list of every pod is never held twice in
    /// memory (the items plus one big buffer).
    /// </summary>
    public static async Task WriteChunked(HttpContext context, Func<Utf8JsonWriter, Func<ValueTask>, Task> write)
    {
        context.Response.ContentType = "application/json";
        const int ChunkBytes = 64 * 1024;
        var buffer = new MemoryStream();
        async Task Drain()
        {
            buffer.Position = 0;
            await buffer.CopyToAsync(context.Response.Body).ConfigureAwait(false);
            buffer.SetLength(0);
        }
        using (var writer = new Utf8JsonWriter(buffer))
        {
            async ValueTask DrainWhenFull()
            {
                if (writer.BytesPending + buffer.Length >= ChunkBytes)
                {
                    await writer.FlushAsync().ConfigureAwait(false);
                    await Drain().ConfigureAwait(false);
                }
            }
            await write(writer, DrainWhenFull).ConfigureAwait(false);
        }
        await Drain().ConfigureAwait(false);
    }

    /// <summary>
    /// Adds a <c>Warning: 299 - "text"</c> header (kubectl prints them). Control characters and quotes from the
    /// request's own text are escaped so the header stays one well-formed value.
    /// </summary>
    public static void AddWarning(HttpContext context, string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            escaped.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                < ' ' or '\u007f' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }
        context.Response.Headers.Append("Warning", $"299 - \"{escaped}\"");
    }

    /// <summary>
    /// Reads a request body as a JSON object; malformed input is a 400 with the parse position. Kubernetes
    /// protobuf bodies are decoded to the same JSON (kinds outside the protobuf table are a 415).
    /// </summary>
    public static async Task<JsonNode> ReadBody(HttpContext context, long maxBytes)
    {
        var bytes = await ReadBytes(context, maxBytes).ConfigureAwait(false);
        if (bytes.Length == 0)
        {
            throw new ApiStatusException(ApiStatus.BadRequest("the request body is empty"));
        }
        if (ProtobufDecoder.IsProtobufContentType(context.Request.ContentType))
        {
            return ReadProtobuf(context, bytes);
        }
        try
        {
            return JsonBody.Parse(context, bytes) ?? throw new ApiStatusException(ApiStatus.BadRequest("the request body is null"));
        }
        catch (InvalidOperationException e)
        {
            // A string the reader cannot turn into text (a lone surrogate escape).
            throw new ApiStatusException(ApiStatus.BadRequest($"error decoding the request body: {FirstLine(e.Message)}"));
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1}" : "";
            throw new ApiStatusException(ApiStatus.BadRequest($"error decoding the request body{where}: {FirstLine(e.Message)}"));
        }
    }

    /// <summary>Reads the whole request body; more than <paramref name="maxBytes"/> is a 413 whether or not its length was announced.</summary>
    public static async Task<byte[]> ReadBytes(HttpContext context, long maxBytes)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new ApiStatusException(RequestEntityTooLarge(maxBytes));
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// Decodes a Kubernetes protobuf body (kubectl's typed generators send them) into the JSON object the
    /// rest of the API handles; skipped unknown fields come back as <c>Warning</c> headers.
    /// </summary>
    private static JsonObject ReadProtobuf(HttpContext context, byte[] bytes)
    {
        try
        {
            var result = ProtobufDecoder.Decode(bytes);
            foreach (var warning in result.Warnings.Distinct().Take(10))
            {
                AddWarning(context, $"protobuf body: {warning}");
            }
            return result.Object;
        }
        catch (ProtobufUnsupportedException e)
        {
            throw new ApiStatusException(new ApiStatus(415, "UnsupportedMediaType",
                $"the body of the request was in an unknown format - {e.Message}; accepted media types include: application/json, application/yaml", Kind: e.Kind));
        }
        catch (ProtobufFormatException e)
        {
            throw new ApiStatusException(ApiStatus.BadRequest($"error decoding the protobuf request body: {e.Message}"));
        }
    }

    private static string FirstLine(string text)
    {
        var index = text.IndexOf('\n');
        return index < 0 ? text : text[..index];
    }

    /// <summary>Builds the body of a plain text answer.</summary>
    public static Task WriteText(HttpContext context, string text)
    {
        context.Response.ContentType = "text/plain";
        return context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text)).AsTask();
    }
}
