using System.Text.Json.Nodes;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.CronJob;

/// <summary>A CronJob's status as the controller edits it: <c>active</c> (Job references), <c>lastScheduleTime</c>, <c>lastSuccessfulTime</c>.</summary>
internal sealed class CronJobStatusModel
{
    public List<JsonObject> Active { get; } = [];

    public DateTimeOffset? LastScheduleTime { get; set; }

    public DateTimeOffset? LastSuccessfulTime { get; set; }

    public static CronJobStatusModel Parse(JsonObject? status)
    {
        var model = new CronJobStatusModel();
        model.Active.AddRange(JsonTree.Objects(JsonTree.GetArray(status, "active")).Select(r => (JsonObject)r.DeepClone()));
        model.LastScheduleTime = Rfc3339Time.TryParse(JsonTree.GetString(status, "lastScheduleTime"), out var scheduled) ? scheduled : null;
        model.LastSuccessfulTime = Rfc3339Time.TryParse(JsonTree.GetString(status, "lastSuccessfulTime"), out var succeeded) ? succeeded : null;
        return model;
    }

    public bool IsActive(string? uid) => Active.Any(r => JsonTree.GetString(r, "uid") == uid);

    public bool IsActiveByName(string name) => Active.Any(r => JsonTree.GetString(r, "name") == name);

    public bool RemoveActive(string? uid) => Active.RemoveAll(r => JsonTree.GetString(r, "uid") == uid) > 0;

    /// <summary>An ObjectReference to a Job, as <c>getRef</c> makes it (kind, namespace, name, uid, apiVersion, resourceVersion).</summary>
    public static JsonObject ReferenceTo(KubeObject job) => new()
    {
        ["kind"] = "Job",
        ["namespace"] = job.Namespace,
        ["name"] = job.Name,
        ["uid"] = job.Uid,
        ["apiVersion"] = "batch/v1",
        ["resourceVersion"] = job.ResourceVersion,
    };

    public JsonObject ToJson()
    {
        var status = new JsonObject();
        if (Active.Count > 0)
        {
            status["active"] = new JsonArray([.. Active.Select(r => (JsonNode?)r.DeepClone())]);
        }
        if (LastScheduleTime is { } scheduled)
        {
            status["lastScheduleTime"] = Rfc3339Time.Format(scheduled);
        }
        if (LastSuccessfulTime is { } succeeded)
        {
            status["lastSuccessfulTime"] = Rfc3339Time.Format(succeeded);
        }
        return status;
    }
}
