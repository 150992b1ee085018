// Package queues reads a RabbitMQ broker's queues (name, messages ready and
// unacknowledged, consumers, in and out rates), names the worker behind
// each consumer's connection, and judges a queue that backs up. It is an
// engine package: it knows the broker's management API, rabbitmqctl's JSON
// and AMQP, never Docker (a Source runs rabbitmqctl through an Exec it is
// given) nor the UI.
package queues
