using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Emulator.Api.OpenApi;

/// <summary>
/// Serves <c>/openapi/v2</c> as kube-openapi's handler does: the Accept header picks JSON or protobuf (the first
/// acceptable media type by quality, <c>*/*</c> and no header meaning JSON; none acceptable is 406), the answer varies
/// by Accept and carries the document's entity tag and build time, so a matching <c>If-None-Match</c> (or, without
/// one, an <c>If-Modified-Since</c> not older than the document) is 304 Not Modified, and it is gzip-compressed
/// when the client accepts gzip and the body is at least 1400 bytes (gziphandler's threshold).
/// </summary>
public static class OpenApiV2Endpoint
{
    /// <summary>The protobuf media type kubectl asks for.</summary>
    public const string ProtobufRequested = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

    /// <summary>The protobuf media type the server answers with.</summary>
    public const string ProtobufServed = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    private const int GzipMinimumSize = 1400;

    private static readonly (string Type, string SubType, string ContentType, bool Protobuf)[] Served =
    [
        ("application", "json", "application/json", false),
        ("application", "com.github.proto-openapi.spec.v2@v1.0+protobuf", ProtobufServed, true),
        ("application", "com.github.proto-openapi.spec.v2.v1.0+protobuf", ProtobufServed, true),
    ];

    /// <summary>Answers the request with <paramref name="document"/>.</summary>
    public static async Task Serve(HttpContext context, OpenApiV2.Snapshot document)
    {
        var response = context.Response;
        response.Headers.Append("Vary", "Accept");
        var accept = context.Request.Headers.Accept.ToString();
        foreach (var (type, subType) in AcceptClauses(accept.Length == 0 ? "*/*" : accept))
        {
            foreach (var served in Served)
            {
                if ((type != served.Type && type != "*") || (subType != served.SubType && subType != "*"))
                {
                    continue;
                }
                response.ContentType = served.ContentType;
                response.Headers.ETag = $"\"{document.ETag}\"";
                var lastModified = document.LastModified.ToUniversalTime();
                response.Headers.LastModified = lastModified.ToString("R", CultureInfo.InvariantCulture);
                response.Headers.AcceptRanges = "bytes";
                if (NotModified(context.Request, document.ETag, lastModified))
                {
                    // Go's ServeContent: a 304 keeps the entity tag and drops the body's headers.
                    response.StatusCode = StatusCodes.Status304NotModified;
                    response.Headers.Remove("Content-Type");
                    response.Headers.Remove("Last-Modified");
                    return;
                }
                var body = served.Protobuf ? document.Protobuf : document.Json;
                if (body.Length >= GzipMinimumSize && AcceptsGzip(context.Request))
                {
                    response.Headers.ContentEncoding = "gzip";
                    response.Headers.Append("Vary", "Accept-Encoding");
                    body = document.Gzipped(served.Protobuf);
                }
                response.ContentLength = body.Length;
                if (!HttpMethods.IsHead(context.Request.Method))
                {
                    await response.Body.WriteAsync(body).ConfigureAwait(false);
                }
                return;
            }
        }
        response.StatusCode = StatusCodes.Status406NotAcceptable;
    }

    /// <summary>
    /// The media ranges of an Accept header, best first: by quality, then a concrete type before <c>*</c> and a
    /// concrete subtype before <c>*</c> (goautoneg's order).
    /// </summary>
    public static IReadOnlyList<(string Type, string SubType)> AcceptClauses(string accept)
    {
        var clauses = new List<(string Type, string SubType, double Quality, int Index)>();
        foreach (var part in accept.Split(','))
        {
            var pieces = part.Split(';');
            var range = pieces[0].Trim();
            if (range.Length == 0)
            {
                continue;
            }
            var slash = range.IndexOf('/', StringComparison.Ordinal);
            var (type, subType) = slash < 0 ? (range, "*") : (range[..slash], range[(slash + 1)..]);
            var quality = 1.0;
            foreach (var parameter in pieces.Skip(1))
            {
                var equals = parameter.IndexOf('=', StringComparison.Ordinal);
                if (equals > 0 && parameter[..equals].Trim() == "q"
                    && double.TryParse(parameter[(equals + 1)..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var q))
                {
                    quality = q;
                }
            }
            clauses.Add((type, subType, quality, clauses.Count));
        }
        return clauses
            .OrderByDescending(c => c.Quality)
            .ThenBy(c => c.Type == "*" ? 1 : 0)
            .ThenBy(c => c.SubType == "*" ? 1 : 0)
            .ThenBy(c => c.Index)
            .Select(c => (c.Type, c.SubType))
            .ToList();
    }

    // Go's checkIfNoneMatch (weak comparison, lists, "*"), then checkIfModifiedSince when no If-None-Match is sent.
    private static bool NotModified(HttpRequest request, string etag, DateTimeOffset lastModified)
    {
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            return false;
        }
        var ifNoneMatch = request.Headers.IfNoneMatch.ToString();
        if (ifNoneMatch.Length > 0)
        {
            foreach (var candidate in ifNoneMatch.Split(','))
            {
                var tag = candidate.Trim();
                if (tag == "*")
                {
                    return true;
                }
                if (tag.StartsWith("W/", StringComparison.Ordinal))
                {
                    tag = tag[2..];
                }
                if (tag == $"\"{etag}\"")
                {
                    return true;
                }
            }
            return false;
        }
        return DateTimeOffset.TryParse(request.Headers.IfModifiedSince.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var since)
            && lastModified.ToUnixTimeSeconds() <= since.ToUnixTimeSeconds();
    }

    private static bool AcceptsGzip(HttpRequest request) =>
        request.Headers.AcceptEncoding.ToString().Split(',')
            .Select(e => e.Split(';'))
            .Any(e => e[0].Trim().Equals("gzip", StringComparison.OrdinalIgnoreCase) && !e.Skip(1).Any(p => p.Replace(" ", "", StringComparison.Ordinal) is "q=0" or "q=0.0"));
}
