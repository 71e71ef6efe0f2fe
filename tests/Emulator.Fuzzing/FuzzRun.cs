using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Emulator.Api.Discovery;

namespace Emulator.Fuzzing;

/// <summary>What a fuzz run found: answers by status code, and the cases that broke a rule.</summary>
public sealed class FuzzReport
{
    /// <summary>How many cases ran.</summary>
    public int Cases { get; internal set; }

    /// <summary>Answers by HTTP status code.</summary>
    public SortedDictionary<int, int> ByStatus { get; } = [];

    /// <summary>The cases that broke a rule: a 5xx (other than etcd's size limit), a hang, an answer that is not a Status.</summary>
    public List<string> Failures { get; } = [];

    /// <summary>One line per status code: <c>400: 1234</c>.</summary>
    public string Summary => string.Join(", ", ByStatus.Select(s => $"{s.Key}: {s.Value}"));
}

/// <summary>
/// Runs <see cref="ManifestFuzzer"/> cases against an API server and checks every answer: never a 5xx (except the 500s
/// Kubernetes itself returns for an object over etcd's size limit and for an apply configuration outside the schema),
/// never a hang, and every error a Kubernetes <c>Status</c> with the code of the response (429, which Kubernetes
/// answers in plain text, aside).
/// </summary>
public static class FuzzRun
{
    /// <summary>The API server's request body limit (3 MiB).</summary>
    public const int MaxBodyBytes = 3 * 1024 * 1024;

    /// <summary>How long one request may take before it counts as a hang.</summary>
    public static readonly TimeSpan Hang = TimeSpan.FromSeconds(20);

    /// <summary>Creates the fuzzer's namespace and a seed object of every resource (so updates and patches have a target).</summary>
    public static async Task SeedAsync(HttpClient client, IReadOnlyList<ApiResource>? resources = null)
    {
        await client.PostAsync("/api/v1/namespaces", Json(new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject { ["name"] = SeedObjects.Namespace },
        })).ConfigureAwait(false);
        foreach (var resource in resources ?? ApiResourceCatalog.Default.Resources)
        {
            if (resource.Kind is "Namespace")
            {
                continue;
            }
            // A seed that a kind refuses (an Event of events.k8s.io needs more) only leaves its updates a 404.
            using var _ = await client.PostAsync(ManifestFuzzer.CollectionPath(resource), Json(SeedObjects.For(resource))).ConfigureAwait(false);
        }
    }

    /// <summary>Runs <paramref name="count"/> cases of seed <paramref name="seed"/> with <paramref name="parallelism"/> clients.</summary>
    public static async Task<FuzzReport> RunAsync(HttpClient client, int seed, int count, int parallelism = 4, IReadOnlyList<ApiResource>? resources = null,
        IProgress<FuzzReport>? progress = null)
    {
        var fuzzer = new ManifestFuzzer(seed, resources);
        var report = new FuzzReport();
        var gate = new object();
        var generated = 0;
        async Task Worker()
        {
            while (true)
            {
                FuzzCase next;
                lock (gate)
                {
                    // One seeded sequence, generated as it is sent (bodies of megabytes are not all held at once).
                    if (generated == count)
                    {
                        return;
                    }
                    generated++;
                    next = fuzzer.Next();
                }
                var (status, failure) = await SendAsync(client, next).ConfigureAwait(false);
                lock (gate)
                {
                    report.Cases++;
                    report.ByStatus[status] = report.ByStatus.GetValueOrDefault(status) + 1;
                    if (failure is not null)
                    {
                        report.Failures.Add($"{next}: {failure}");
                    }
                    if (report.Cases % 10_000 == 0)
                    {
                        progress?.Report(report);
                    }
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, parallelism).Select(_ => Task.Run(Worker))).ConfigureAwait(false);
        return report;
    }

    /// <summary>Sends one case; returns the status code (0 for a hang or a broken connection) and what was wrong, if anything.</summary>
    public static async Task<(int Status, string? Failure)> SendAsync(HttpClient client, FuzzCase fuzzCase)
    {
        using var request = new HttpRequestMessage(fuzzCase.Method, fuzzCase.Path);
        if (fuzzCase.Body is not null)
        {
            request.Content = new ByteArrayContent(fuzzCase.Body);
            if (!string.IsNullOrEmpty(fuzzCase.ContentType) && MediaTypeHeaderValue.TryParse(fuzzCase.ContentType, out var contentType))
            {
                request.Content.Headers.ContentType = contentType;
            }
        }
        using var timeout = new CancellationTokenSource(Hang);
        HttpResponseMessage response;
        string body;
        try
        {
            response = await client.SendAsync(request, timeout.Token).ConfigureAwait(false);
            body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return (0, $"no answer within {Hang.TotalSeconds:0} s");
        }
        catch (HttpRequestException) when (fuzzCase.Body is { Length: > MaxBodyBytes })
        {
            // The server answers a body over its limit (413) before the client has sent it all, and closes the
            // connection: the client sees the close.
            return (413, null);
        }
        catch (HttpRequestException e)
        {
            return (0, $"connection failed: {e.Message}");
        }
        using (response)
        {
            var code = (int)response.StatusCode;
            return (code, Check(response.StatusCode, body));
        }
    }

    private static string? Check(HttpStatusCode status, string body)
    {
        var code = (int)status;
        if (code < 400 || status == HttpStatusCode.TooManyRequests)
        {
            return null;
        }
        JsonObject? answer;
        try
        {
            answer = JsonNode.Parse(body) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            answer = null;
        }
        if (answer is null || (string?)answer["kind"] != "Status" || answer["code"]?.GetValue<int>() != code)
        {
            return $"{code} without a Status: {Shorten(body)}";
        }
        var message = (string?)answer["message"] ?? "";
        // Kubernetes answers 500 (no reason) to an apply configuration its typed conversion refuses (kubernetes#122480).
        if (code >= 500 && message != "etcdserver: request is too large" && !message.StartsWith("failed to create typed patch object (", StringComparison.Ordinal))
        {
            return $"{code} {message}";
        }
        return null;
    }

    private static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    private static string Shorten(string text) => text.Length > 200 ? text[..200] + "…" : text;
}
