namespace Cpns.Fuzz;

/// <summary>Writes a target's seeds as files named for what they hold.</summary>
internal static class SeedWriter
{
    public static int Write(FuzzTarget target, string directory)
    {
        Directory.CreateDirectory(directory);
        var count = 0;
        foreach (var (name, data) in target.Seeds())
        {
            File.WriteAllBytes(Path.Combine(directory, name), data);
            count++;
        }

        return count;
    }
}
