// Build script: dotnet tool restore && dotnet cake --target=<Build|Test|Bench|Publish|Docker|Compose>
var target = Argument("target", "Test");
var configuration = Argument("configuration", "Release");
var solution = "./Emulator.sln";

Task("Clean")
    .Does(() =>
{
    CleanDirectories("./src/**/bin");
    CleanDirectories("./src/**/obj");
    CleanDirectories("./tests/**/bin");
    CleanDirectories("./tests/**/obj");
    CleanDirectories("./bench/**/bin");
    CleanDirectories("./bench/**/obj");
    CleanDirectory("./artifacts");
});

Task("Build")
    .Does(() =>
{
    DotNetBuild(solution, new DotNetBuildSettings { Configuration = configuration });
});

// The same command the README gives: `dotnet test` on the solution.
Task("Test")
    .IsDependentOn("Build")
    .Does(() =>
{
    DotNetTest(solution, new DotNetTestSettings
    {
        Configuration = configuration,
        NoBuild = true,
        Loggers = { "console;verbosity=normal" },
    });
});

Task("Bench")
    .Does(() =>
{
    // --scenarios=actors|persistence|api|cluster
    var scenarios = Argument("scenarios", "actors");
    DotNetRun("./bench/Emulator.Benchmarks/Emulator.Benchmarks.csproj", new ProcessArgumentBuilder().Append(scenarios),
        new DotNetRunSettings { Configuration = "Release" });
});

Task("Publish")
    .IsDependentOn("Build")
    .Does(() =>
{
    // The emulator executable, then the bench command.
    DotNetPublish("./src/Emulator.Cli/Emulator.Cli.csproj", new DotNetPublishSettings
    {
        Configuration = configuration,
        OutputDirectory = "./artifacts/emulator",
    });
    DotNetPublish("./bench/Emulator.Benchmarks/Emulator.Benchmarks.csproj", new DotNetPublishSettings
    {
        Configuration = configuration,
        OutputDirectory = "./artifacts/bench",
    });
});

// The emulator image from docker/Dockerfile (built from source in the SDK image; needs a registry for the base images).
// --image=NAME (default emulator:local); --app=prebuilt --runtime-image=IMAGE: onto a local base, from a host publish.
Task("Docker")
    .Does(() =>
{
    var image = Argument("image", "emulator:local");
    var app = Argument("app", "source");
    var arguments = new ProcessArgumentBuilder().Append("build").Append("-f").Append("docker/Dockerfile").Append("-t").Append(image)
        .Append("--build-arg").Append("APP=" + app);
    if (HasArgument("runtime-image"))
    {
        arguments.Append("--build-arg").Append("RUNTIME_IMAGE=" + Argument<string>("runtime-image"));
    }
    if (app == "prebuilt")
    {
        DotNetPublish("./src/Emulator.Cli/Emulator.Cli.csproj", new DotNetPublishSettings
        {
            Configuration = "Release",
            Runtime = "linux-x64",
            SelfContained = true,
            OutputDirectory = "./artifacts/docker/emulator",
        });
    }
    var exitCode = StartProcess("docker", new ProcessSettings
    {
        Arguments = arguments.Append("."),
        EnvironmentVariables = new Dictionary<string, string> { ["DOCKER_BUILDKIT"] = "1" },
    });
    if (exitCode != 0)
    {
        throw new Exception($"docker build exited with {exitCode}");
    }
});

// The compose topology end to end without a registry or bridge networking: docker/smoke.sh (builds the images, brings
// docker-compose.yml up with docker/compose.loopback.yml, drives it with kubectl, kills a worker, brings it down).
Task("Compose")
    .Does(() =>
{
    var exitCode = StartProcess("bash", new ProcessSettings { Arguments = "docker/smoke.sh" });
    if (exitCode != 0)
    {
        throw new Exception($"docker/smoke.sh exited with {exitCode}");
    }
});

RunTarget(target);
