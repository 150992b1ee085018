package preflight

import (
	"strings"
)

// imageName is the last part of an image's repository, without registry,
// path or tag: docker.elastic.co/elasticsearch/elasticsearch:8.13.4 is
// elasticsearch.
func imageName(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	name := ref[strings.LastIndex(ref, "/")+1:]
	name, _, _ = strings.Cut(name, ":")
	return strings.ToLower(name)
}

// kind is what an image is, by its name: the images of the real servers
// and of their common forks, whatever the registry, path and tag
// (rabbitmq:3.13-management is rabbitmq). Stand-ins (elasticsearch-standin)
// and unknown images have none: a name is matched whole, so that
// mongo-express is not taken for a database.
func kind(ref string) string {
	switch imageName(ref) {
	case "elasticsearch", "opensearch":
		return "elasticsearch"
	case "mongo", "mongodb", "mongodb-community-server", "mongodb-enterprise-server", "ferretdb":
		return "mongodb"
	case "mysql", "mariadb", "percona", "percona-server", "mysql-server":
		return "mysql"
	case "rabbitmq":
		return "rabbitmq"
	case "redis", "redis-stack", "redis-stack-server", "valkey", "keydb":
		return "redis"
	case "ssdb", "ssdb-docker":
		return "ssdb"
	}
	return ""
}
