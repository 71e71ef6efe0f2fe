// Build script: dotnet tool restore && dotnet cake --target=<Build|Test|Bench|Publish>
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

RunTarget(target);
