global using Housing.Tests.Infrastructure;
