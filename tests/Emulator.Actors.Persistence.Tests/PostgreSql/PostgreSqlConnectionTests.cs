using System.Net;
using System.Net.Sockets;
using Emulator.Actors.Persistence.Journal;
using Emulator.Actors.Persistence.PostgreSql;

namespace Emulator.Actors.Persistence.Tests.PostgreSql;

/// <summary>PostgreSQL store behaviour that needs no server, so it runs everywhere.</summary>
public sealed class PostgreSqlConnectionTests
{
    /// <summary>A loopback port nobody listens on: bound by the system, then released.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [Fact]
    public async Task An_unreachable_server_fails_initialization_naming_the_store_and_the_server()
    {
        var port = ClosedPort();
        var connectionString = $"Host=127.0.0.1;Port={port};Database=emulator;Username=emulator;Timeout=5";
        await using var journal = new PostgreSqlJournalStore(connectionString);
        await using var snapshots = new PostgreSqlSnapshotStore(connectionString, "cluster_a");

        var journalFailure = await Assert.ThrowsAsync<StoreUnavailableException>(() => journal.InitializeAsync());
        var snapshotFailure = await Assert.ThrowsAsync<StoreUnavailableException>(() => snapshots.InitializeAsync());

        Assert.StartsWith($"PostgreSQL journal at 127.0.0.1:{port}/emulator: ", journalFailure.Message);
        Assert.StartsWith($"PostgreSQL snapshot store at 127.0.0.1:{port}/emulator (schema cluster_a): ", snapshotFailure.Message);
    }

    [Fact]
    public async Task A_store_must_be_initialized_before_use()
    {
        await using var journal = new PostgreSqlJournalStore($"Host=127.0.0.1;Port={ClosedPort()};Database=emulator");

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => journal.ReadHighestSequenceNrAsync("pod"));

        Assert.Contains(journal.Name, failure.Message);
    }
}
