using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Schema;
using Emulator.Kubernetes.Serialization;
using Emulator.Kubernetes.Validation;

namespace Emulator.Kubernetes.Tests;

public class SchemaTests
{
    private const string DeploymentWithExtras = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: default, labels: {any: thing}}
        spec:
          replicas: 1
          foo: 1
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
              - name: app
                image: nginx
                imagePullPolicy: Always
                bogus: true
        status:
          anything: goes
        """;

    [Fact]
    public void Every_kind_has_a_schema_type()
    {
        foreach (var kind in KindRegistry.Default.Kinds)
        {
            Assert.NotNull(FieldSchema.Default.Find(kind.SchemaType));
        }
    }

    [Fact]
    public void Unknown_fields_are_found_with_api_server_paths()
    {
        var obj = ManifestReader.ReadSingle(DeploymentWithExtras);
        var unknown = UnknownFields.Find(obj.Document, FieldSchema.Default.Find("Deployment")!);
        Assert.Equal(["spec.foo", "spec.template.spec.containers[0].bogus"], unknown);
        Assert.Equal("strict decoding error: unknown field \"spec.foo\", unknown field \"spec.template.spec.containers[0].bogus\"", UnknownFields.StrictDecodingMessage(unknown));
    }

    [Fact]
    public void Strict_mode_rejects_and_warn_mode_prunes()
    {
        var kind = KindRegistry.Default.Resolve("apps/v1", "Deployment");
        var strict = ManifestReader.ReadSingle(DeploymentWithExtras);
        var error = Assert.Throws<UnknownFieldException>(() => StrictFieldValidation.Apply(strict, kind, FieldValidationMode.Strict));
        Assert.Equal("Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.foo\", unknown field \"spec.template.spec.containers[0].bogus\"", error.Message);

        var warn = ManifestReader.ReadSingle(DeploymentWithExtras);
        var warnings = StrictFieldValidation.Apply(warn, kind, FieldValidationMode.Warn);
        Assert.Equal(["unknown field \"spec.foo\"", "unknown field \"spec.template.spec.containers[0].bogus\""], warnings);
        Assert.Null(warn.Spec!["foo"]);
        Assert.False(warn.Spec.ContainsKey("foo"));
        Assert.Equal("goes", JsonTree.GetString(warn.Document, "status", "anything"));
    }

    [Fact]
    public void Realistic_manifests_have_no_unknown_fields()
    {
        var manifests = ManifestReader.ReadObjects("""
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec:
              type: NodePort
              selector: {app: web}
              ports: [{name: http, port: 80, targetPort: http, nodePort: 30080, protocol: TCP}]
              sessionAffinity: ClientIP
              sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}
            ---
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: db}
            spec:
              serviceName: db
              selector: {matchLabels: {app: db}}
              updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 0}}
              template:
                metadata: {labels: {app: db}, annotations: {a: b}}
                spec:
                  affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: []}}
                  securityContext: {fsGroup: 1000}
                  initContainers: [{name: init, image: busybox, command: [sh, -c, "true"]}]
                  containers:
                  - name: db
                    image: postgres:16
                    env:
                    - {name: A, valueFrom: {secretKeyRef: {name: s, key: k}}}
                    envFrom: [{configMapRef: {name: c}}]
                    ports: [{name: pg, containerPort: 5432}]
                    readinessProbe: {exec: {command: [pg_isready]}, initialDelaySeconds: 5}
                    resources: {requests: {cpu: 100m, memory: 128Mi}}
                    volumeMounts: [{name: data, mountPath: /var/lib/postgresql}]
                    lifecycle: {preStop: {exec: {command: [sleep, "5"]}}}
              volumeClaimTemplates:
              - metadata: {name: data}
                spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}, storageClassName: standard}
            ---
            apiVersion: batch/v1
            kind: CronJob
            metadata: {name: report}
            spec:
              schedule: "0 * * * *"
              timeZone: Etc/UTC
              jobTemplate:
                metadata: {labels: {job: report}}
                spec:
                  ttlSecondsAfterFinished: 100
                  template:
                    spec:
                      restartPolicy: OnFailure
                      containers: [{name: r, image: busybox}]
            """);
        foreach (var obj in manifests)
        {
            var type = FieldSchema.Default.Find(KindRegistry.Default.Resolve(obj).SchemaType)!;
            Assert.Empty(UnknownFields.Find(obj.Document, type));
        }
    }

    [Fact]
    public void Schema_text_parses_inheritance_and_merge_metadata()
    {
        var schema = FieldSchema.Parse("""
            type Base
              name string
            type Item : Base
              value int32
            type Root
              items []Item merge=name
              tags []string strategy=merge
              labels map[string]
            """);
        var root = schema.Find("Root")!;
        Assert.Equal("name", root.Field("items")!.MergeKey);
        Assert.True(root.Field("tags")!.MergesList);
        Assert.NotNull(schema.Find("Item")!.Field("name"));
        Assert.Throws<FormatException>(() => FieldSchema.Parse("type A\n  b Missing\n"));
        // Decoding needs the Go type of every integer and unmodelled struct.
        Assert.Throws<FormatException>(() => FieldSchema.Parse("type A\n  b integer\n"));
        Assert.Throws<FormatException>(() => FieldSchema.Parse("type A\n  b object\n"));
    }
}
