using System.Security.Cryptography;
using Cpns.EndToEnd.Tests.Support;
using Cpns.Security.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Cpns.Security.Tests.Secrets;

/// <summary>The scanner of <see cref="SecretScanTests"/> finds a planted key in every form it claims to look for: the scan can fail.</summary>
public sealed class SecretScannerTests
{
    [Theory]
    [InlineData("hex")]
    [InlineData("hex-lower")]
    [InlineData("base64")]
    [InlineData("base64url")]
    public void Find_KeyPlantedInALogLine_Found(string form)
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var scanner = new SecretScanner();
        scanner.Add("planted", key);
        var base64 = Convert.ToBase64String(key);
        var text = form switch
        {
            "hex" => Convert.ToHexString(key),
            "hex-lower" => Convert.ToHexStringLower(key),
            "base64" => base64,
            _ => base64.TrimEnd('=').Replace('+', '-').Replace('/', '_'),
        };

        Assert.Contains($"planted ({form}) in log", scanner.Find($"Group Key of group g epoch 1: {text} stored", "log"));
        Assert.Empty(scanner.Find("Group Key of group g epoch 1 stored", "log"));
    }

    [Fact]
    public void Find_TextSecretWithOrWithoutDashes_Found()
    {
        var scanner = new SecretScanner();
        scanner.Add("pairing code", "1234-5678-9012-3456");
        Assert.Contains("pairing code (text) in log", scanner.Find("code 1234-5678-9012-3456 shown", "log"));
        Assert.Contains("pairing code (text-dashless) in log", scanner.Find("code 1234567890123456 typed", "log"));
    }

    [Fact]
    public void FindInSqlite_KeyInABlobColumnAndInATextColumn_FoundInColumnsAndFileBytes()
    {
        using var directory = new TestDirectory();
        var path = Path.Combine(directory.Path, "planted.db");
        var key = RandomNumberGenerator.GetBytes(32);
        var other = RandomNumberGenerator.GetBytes(32);
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE Keys (Id INTEGER PRIMARY KEY, Raw BLOB, Text TEXT); INSERT INTO Keys (Raw, Text) VALUES ($raw, $text);";
            command.Parameters.AddWithValue("$raw", key);
            command.Parameters.AddWithValue("$text", Convert.ToBase64String(other));
            command.ExecuteNonQuery();
        }

        var scanner = new SecretScanner();
        scanner.Add("blob key", key);
        scanner.Add("text key", other);
        scanner.Add("absent key", RandomNumberGenerator.GetBytes(32));
        var found = scanner.FindInSqlite(path).ToList();

        Assert.Contains("blob key (raw) in planted.db Keys.Raw", found);
        Assert.Contains("text key (base64) in planted.db Keys.Text", found);
        Assert.Contains("blob key (raw) in planted.db (file bytes)", found);
        Assert.DoesNotContain(found, f => f.StartsWith("absent key", StringComparison.Ordinal));
        Assert.Equal(3, scanner.CellsScanned);
    }
}
