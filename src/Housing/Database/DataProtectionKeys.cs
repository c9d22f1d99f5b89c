using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Housing.Database;

/// <summary>Keeps ASP.NET Core's data-protection keys in PostgreSQL so that every instance of the app
/// reads the cookies and bearer tokens any other issued, and a restart signs nobody out.</summary>
public sealed class DataProtectionKeys(Func<NpgsqlDataSource> db) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var conn = db().OpenConnection();
        return conn.Query<string>("SELECT xml FROM data_protection_keys ORDER BY id").Select(XElement.Parse).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var conn = db().OpenConnection();
        conn.Execute("INSERT INTO data_protection_keys (friendly_name, xml) VALUES (@friendlyName, @xml)",
            new { friendlyName, xml = element.ToString(SaveOptions.DisableFormatting) });
    }
}
