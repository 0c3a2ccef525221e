/**
 * Class and method ids of the AMQP methods the engine can fail in, so every thrown
 * AmqpError names the method that failed (channel.close / connection.close carry them).
 */
import type { MethodRef } from '../protocol/errors.js';

const m = (classId: number, methodId: number): MethodRef => Object.freeze({ classId, methodId });

export const Method = {
  channelFlow: m(20, 20),
  exchangeDeclare: m(40, 10),
  exchangeDelete: m(40, 20),
  exchangeBind: m(40, 30),
  exchangeUnbind: m(40, 40),
  queueDeclare: m(50, 10),
  queueBind: m(50, 20),
  queuePurge: m(50, 30),
  queueDelete: m(50, 40),
  queueUnbind: m(50, 50),
  basicQos: m(60, 10),
  basicConsume: m(60, 20),
  basicCancel: m(60, 30),
  basicPublish: m(60, 40),
  basicGet: m(60, 70),
  basicAck: m(60, 80),
  basicReject: m(60, 90),
  basicRecoverAsync: m(60, 100),
  basicRecover: m(60, 110),
  basicNack: m(60, 120),
  confirmSelect: m(85, 10),
  txSelect: m(90, 10),
  txCommit: m(90, 20),
  txRollback: m(90, 30),
} as const;
