using Microsoft.Data.Sqlite;

namespace Emulator.Runtime.Tests.Support;

/// <summary>Reads a SQLite journal file directly, bypassing Akka (to check what the plugin stored).</summary>
public static class SqliteQuery
{
    public static List<object[]> Rows(string path, string sql, params object[] parameters)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < parameters.Length; i++)
        {
            command.Parameters.AddWithValue($"${i + 1}", parameters[i]);
        }
        using var reader = command.ExecuteReader();
        var rows = new List<object[]>();
        while (reader.Read())
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }
        return rows;
    }
}
